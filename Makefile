# Developer entry points. ./build.sh installs the packages, then calls these.
BUILD ?= build
JOBS ?= $(shell nproc)
POCKER_BIN = $(BUILD)/pocker/pocker
CMAKE_FLAGS ?=

.PHONY: all build run test images unit labs lessons clean bench bench-compare bench-network docs docs-screenshot grade handout handout-check fuzz fuzz-check

all: build

# One configuration for run and test (warnings are errors in both), so
# `make test` after `make run` compiles nothing again.
CONFIGURE = cmake -S . -B $(BUILD) -G Ninja -DPOCKER_WERROR=ON $(CMAKE_FLAGS)
$(BUILD)/build.ninja:
	$(CONFIGURE)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# An interactive busybox shell on a terminal; otherwise a short demonstration.
run: build
	@if [ -t 0 ]; then \
	  echo "pocker: starting a busybox shell in a container (type exit to leave)"; \
	  $(POCKER_BIN) run -it --rm busybox sh; \
	else \
	  $(POCKER_BIN) run --rm busybox sh -c \
	    'echo "hello from a pocker container"; echo "root: $$(ls /)"; echo "pid: $$$$  hostname: $$(hostname)"; id'; \
	fi

# Every test: unit tests, lesson examples, lab tests, the handout check and the
# docs.
test:
	$(CONFIGURE)
	cmake --build $(BUILD) -j $(JOBS)
	@# The Debian images the image tests, the build example and the
	@# benchmarks use: built once into the cache (about two minutes),
	@# seconds after that; without the Debian archive the script says so
	@# and the tests that need them skip.
	-POCKER=$(POCKER_BIN) tools/images/make-images.sh --cache-only debian toolchain
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure --timeout 300
	$(MAKE) fuzz-check
	$(MAKE) handout-check
	$(MAKE) docs

# Debian 12 base images (tools/images/make-images.sh): built from the Debian
# archive into /var/cache/pocker-images once, then loaded into your store.
images: build
	POCKER=$(POCKER_BIN) tools/images/make-images.sh

unit: build
	ctest --test-dir $(BUILD) -L unit -j $(JOBS) --output-on-failure
labs: build
	ctest --test-dir $(BUILD) -L lab -j $(JOBS) --output-on-failure
lessons: build
	ctest --test-dir $(BUILD) -L lesson -j $(JOBS) --output-on-failure

# libFuzzer targets for the core's parsers (fuzz/README.md): clang with ASan
# and UBSan, in a build directory of its own. fuzz-check replays each
# target's seed corpus (fuzz/corpus/NAME, crashes found before included) and
# runs FUZZ_RUNS mutations from a fixed seed, so a CI run is repeatable; new
# inputs it finds go to $(BUILD_FUZZ)/corpus, never into the source tree.
# For a long local run: make fuzz-check FUZZ_ARGS=-max_total_time=60
BUILD_FUZZ ?= build-fuzz
FUZZ_RUNS ?= 2000
FUZZ_ARGS ?= -runs=$(FUZZ_RUNS) -seed=1
FUZZ_TARGETS ?= $(patsubst fuzz/%_fuzz.cpp,%,$(wildcard fuzz/*_fuzz.cpp))
$(BUILD_FUZZ)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -G Ninja -DPOCKER_FUZZ=ON
fuzz: $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
fuzz-check: fuzz
	@mkdir -p $(BUILD_FUZZ)/crashes
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf $(BUILD_FUZZ)/corpus/$$t && mkdir -p $(BUILD_FUZZ)/corpus/$$t; \
	  echo "fuzz-check: $$t"; \
	  dict=; [ -f fuzz/dict/$$t.dict ] && dict=-dict=fuzz/dict/$$t.dict; \
	  $(BUILD_FUZZ)/fuzz/$${t}_fuzz $(FUZZ_ARGS) $$dict -artifact_prefix=$(BUILD_FUZZ)/crashes/$$t- \
	    $(BUILD_FUZZ)/corpus/$$t fuzz/corpus/$$t > $(BUILD_FUZZ)/$$t.log 2>&1 || { \
	    tail -n 40 $(BUILD_FUZZ)/$$t.log; \
	    echo "fuzz-check: $$t failed: the input is in $(BUILD_FUZZ)/crashes/ (fuzz/README.md says what next)" >&2; \
	    exit 1; }; \
	  tail -n 1 $(BUILD_FUZZ)/$$t.log; \
	done

# Benchmarks (benchmarks/README.md). Timings mean something only on a quiet machine.
RUNS ?= 30
POCKER ?= $(POCKER_BIN)
bench: build
	$(BUILD)/benchmarks/pocker-bench $(BENCH_ARGS)
# hyperfine: pocker next to runc, crun, bwrap, unshare, chroot and
# /bin/true; POCKER=/path/to/pocker compares another build the same way.
bench-compare: build
	BUILD=$(abspath $(BUILD)) RUNS=$(RUNS) benchmarks/compare.sh $(abspath $(POCKER))

# TCP throughput of the network paths (iperf3): loopback, container <-> container,
# host -> container through DNAT and through the forwarder.
bench-network: build
	benchmarks/network_throughput.sh $(abspath $(POCKER))

# Grades the pocker that POCKER names (default: this build's) against the labs, level by level:
# a table per level, "Score: N/M", and results.json (Gradescope), junit.xml and summary.json in
# $(BUILD)/grade; exits non-zero unless full marks. GRADE_ARGS='--level lv1' or
# GRADE_ARGS="--filter 'Lv0Exit.*'" grades a part (labs/grader/README.md).
grade: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target pocker-grade
	$(BUILD)/labs/grader/pocker-grade --pocker '$(POCKER)' --out $(BUILD)/grade $(GRADE_ARGS)

# The documentation site (docs/Doxyfile), in $(BUILD)/docs/html/: the lessons,
# the guides and the core's API. Any Doxygen warning fails it, and so does a
# relative link to a file the site lacks.
docs:
	@command -v doxygen >/dev/null || { echo "make docs: doxygen is missing (apt-get install -y doxygen graphviz)" >&2; exit 1; }
	rm -rf $(BUILD)/docs/html && mkdir -p $(BUILD)/docs
	( cat docs/Doxyfile; echo "OUTPUT_DIRECTORY = $(BUILD)/docs" ) | doxygen -
	docs/check-site.sh $(BUILD)/docs/html

# The start page and a lesson page in headless Chromium, as PNGs in
# $(BUILD)/docs/screenshots/ (installs Debian's chromium when missing; not for CI).
docs-screenshot: docs
	docs/screenshot.sh $(BUILD)/docs/html $(BUILD)/docs/screenshots

# The student handout (tools/handout/README.md): this tree with the marked
# solutions replaced by stubs. LEVELS=lv1,lv2 chooses levels (default: all).
handout:
	@test -x tools/handout/handout.sh || { echo "make handout: this tree is a handout already: its solutions are out" >&2; exit 2; }
	tools/handout/handout.sh --out '$(OUT)' $(if $(LEVELS),--levels '$(LEVELS)')

# Proves the handout discriminates: it builds, and each step's labs fail without the step.
handout-check:
	@if [ -x tools/handout/check.sh ]; then JOBS=$(JOBS) tools/handout/check.sh; \
	else echo "make handout-check: this tree is a handout: nothing to check"; fi

clean:
	rm -rf $(BUILD)

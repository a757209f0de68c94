# Strips the marked solutions from one source file (tools/handout/README.md).
#
#   awk -v strip=' lv1.uts lv2.cpus ' -f strip.awk steps.tsv FILE
#
# A marked region looks like this in the reference:
#
#     // handout(lv1.uts) begin: set the hostname with sethostname(2)
#     ...the solution...
#     // handout(lv1.uts) stub:
#     // return ok();
#     // handout(lv1.uts) end
#
# For a step named in `strip`, the solution lines go, the task becomes a TODO
# that names the lesson step and the labs that check it, and the stub lines
# lose their leading "// " so that the file still compiles. For any other
# step only the marker and stub lines go. Errors name FILE:LINE and exit 1.

BEGIN { FS = "\t"; failed = 0 }

# The step table comes first: id, lesson, title, lab filter.
FNR == NR {
  if ($0 ~ /^#/ || $0 ~ /^[ \t]*$/) next
  lesson[$1] = $2; title[$1] = $3; labs[$1] = $4
  next
}

function fail(message) {
  printf "%s:%d: %s\n", FILENAME, FNR, message > "/dev/stderr"
  failed = 1
  exit 1
}

function indent_of(line) { match(line, /^[ \t]*/); return substr(line, 1, RLENGTH) }

# A marker line: "// handout(ID) WORD..." with nothing before it but spaces.
match($0, /^[ \t]*\/\/ handout\([a-z0-9.-]+\) (begin|stub|end)/) {
  id = $0; sub(/^[ \t]*\/\/ handout\(/, "", id); sub(/\).*/, "", id)
  word = $0; sub(/^[ \t]*\/\/ handout\([a-z0-9.-]+\) /, "", word); sub(/[: ].*/, "", word)
  if (!(id in lesson)) fail("handout(" id "): no such step in steps.tsv")
  if (word == "begin") {
    if (state != "") fail("handout(" id ") begin inside handout(" open ") (no nesting)")
    task = $0; sub(/^[^:]*begin:?[ ]*/, "", task)
    if (task == "") fail("handout(" id ") begin: the task text after the colon is missing")
    state = "solution"; open = id; began = FNR
    if (seen != "") print id >> seen
    stripping = index(strip, " " id " ") > 0
    if (stripping) {
      pad = indent_of($0)
      print pad "// TODO(" id "): " task
      print pad "//   Lesson: " lesson[id] ", " title[id] "."
      print pad "//   Check:  make grade GRADE_ARGS=\"--filter '" labs[id] "'\""
    }
    next
  }
  if (id != open) fail("handout(" id ") " word " without a matching begin")
  if (word == "stub") {
    if (state != "solution") fail("handout(" id ") stub: twice in one region")
    state = "stub"; next
  }
  state = ""; open = ""; next  # end
}

/handout\(/ && !/handout\([a-z0-9.-]+\) (begin|stub|end)/ && /\/\/ handout/ {
  fail("a handout marker must be \"// handout(ID) begin: TASK\", \"stub:\" or \"end\"")
}

state == "solution" { if (!stripping) print; next }
state == "stub" {
  if ($0 !~ /^[ \t]*\/\/( |$)/) fail("handout(" open ") stub lines must be comments (\"// code\")")
  if (stripping) { line = $0; sub(/\/\/ ?/, "", line); if (line ~ /^[ \t]*$/) line = ""; print line }
  next
}
{ print }

END {
  if (failed) exit 1
  if (state != "") {
    printf "%s:%d: handout(%s) begin has no end\n", FILENAME, began, open > "/dev/stderr"
    exit 1
  }
}

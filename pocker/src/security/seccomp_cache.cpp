// The compiled-program cache: libseccomp takes milliseconds for docker's
// ~400 names, and every `run` and `exec` needs the program, so it is kept
// in the store, one file per set of inputs.
//
// File layout (native byte order: the cache never leaves this machine):
//   "pocker-seccomp-cache 1\n"
//   u64 length of the inputs, the inputs (see cache_inputs)
//   u64 instruction count, the instructions (8 bytes each, sock_filter)
//   u64 FNV-1a of everything before it
// The inputs are stored in full and compared on every read, so a file is
// used only for exactly the inputs it was made from, whatever the hash.
// The checksum catches a file damaged on disk; it is no defence against
// someone who can write the store: the directory's 0700 is.
#include "pocker/seccomp.hpp"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <chrono>
#include <cstring>

#include <seccomp.h>

#include "pocker/fs.hpp"
#include "pocker/trace.hpp"
#include "seccomp_names.hpp"

namespace pocker {

namespace {

constexpr std::string_view kMagic = "pocker-seccomp-cache 1\n";

// Everything compile_seccomp's output depends on, as one string. The
// format number goes up whenever compile_seccomp changes what it makes
// from the same inputs, so that old files stop matching; libseccomp's
// version is in for the same reason.
std::string cache_inputs(const std::string& json_text, uint64_t caps) {
  struct utsname u;
  std::string release = ::uname(&u) == 0 ? u.release : "unknown";
  // 2: the binary-tree layout (SCMP_FLTATR_CTL_OPTIMIZE).
  return fmt::format("format 2\nlibseccomp {}.{}.{}\narch {}\ncaps {:#x}\nkernel {}\nprofile {}\n{}",
                     SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO, seccomp_names::native_name(), caps,
                     release, json_text.size(), json_text);
}

// FNV-1a, 64 bits: short and good enough to spread file names; the full
// inputs in the file guard against its collisions.
uint64_t fnv1a(std::string_view data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void append_u64(std::string& out, uint64_t value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// Reads a u64 at `pos` and moves past it; false when the data is too short.
bool take_u64(std::string_view data, size_t& pos, uint64_t& value) {
  if (data.size() - pos < sizeof value) return false;
  std::memcpy(&value, data.data() + pos, sizeof value);
  pos += sizeof value;
  return true;
}

std::string encode(const std::string& inputs, const std::vector<SeccompProgram::Insn>& insns) {
  std::string out(kMagic);
  append_u64(out, inputs.size());
  out += inputs;
  append_u64(out, insns.size());
  out.append(reinterpret_cast<const char*>(insns.data()), insns.size() * sizeof(SeccompProgram::Insn));
  append_u64(out, fnv1a(out));
  return out;
}

// The program in `data`, or nothing when the file is short, corrupt or
// made from other inputs.
std::optional<std::vector<SeccompProgram::Insn>> decode(const std::string& data, const std::string& inputs) {
  uint64_t sum = 0;
  if (data.size() < kMagic.size() + sizeof sum) return std::nullopt;
  std::string_view body(data.data(), data.size() - sizeof sum);
  size_t end = body.size();
  if (!take_u64(data, end, sum) || sum != fnv1a(body)) return std::nullopt;
  if (body.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  size_t pos = kMagic.size();
  uint64_t length = 0, count = 0;
  if (!take_u64(body, pos, length) || length != inputs.size()) return std::nullopt;
  if (body.substr(pos, length) != inputs) return std::nullopt;
  pos += length;
  if (!take_u64(body, pos, count) || count == 0 || count > body.size()) return std::nullopt;
  if (body.size() - pos != count * sizeof(SeccompProgram::Insn)) return std::nullopt;
  std::vector<SeccompProgram::Insn> insns(count);
  std::memcpy(insns.data(), body.data() + pos, body.size() - pos);
  return insns;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string seccomp_cache_key(const std::string& json_text, uint64_t caps) {
  return fmt::format("{:016x}", fnv1a(cache_inputs(json_text, caps)));
}

Result<SeccompProgram> seccomp_program(const std::string& json_text, const std::string& source, uint64_t caps,
                                       const std::string& cache_dir) {
  auto start = std::chrono::steady_clock::now();
  std::string inputs = cache_inputs(json_text, caps);
  std::string path = fmt::format("{}/{:016x}.bpf", cache_dir, fnv1a(inputs));

  if (auto data = read_file(path)) {
    if (auto insns = decode(data.value(), inputs)) {
      SeccompProgram program;
      program.insns = std::move(*insns);
      program.from_cache = true;
      trace("seccomp: cache hit {}: {} instructions in {:.2f} ms", path, program.insns.size(),
            ms_since(start));
      return program;
    }
    trace("seccomp: cache file {} is unusable: compiling again", path);
  }

  SeccompProfile profile = TRY(parse_seccomp_profile(json_text, source));
  SeccompProgram program = TRY_CTX(compile_seccomp(profile, caps), fmt::format("profile {}", source));
  trace("seccomp: cache miss {}: compiled {} instructions in {:.2f} ms", path, program.insns.size(),
        ms_since(start));

  // A cache that cannot be written costs the next start a compile, no more.
  // write_file_atomic writes a temporary file and renames it, so a reader
  // never sees half a file; one cut short by a crash fails decode().
  auto saved = make_dirs(cache_dir, 0700);
  if (saved) saved = write_file_atomic(path, encode(inputs, program.insns), 0600);
  if (!saved) trace("seccomp: not cached: {}", saved.error().message());
  return program;
}

}  // namespace pocker

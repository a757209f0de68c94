// security step 2: the device cgroup, which devices a container may open.
//
//   build/lessons/security-02-device-cgroup
//
// A container's root may keep CAP_MKNOD, so it can make a node for any
// device, for example the host's disk. The kernel then asks the device
// cgroup on every open(2) and mknod(2) of a device node. Needs root.
//
//   v1: a directory in the `devices` hierarchy, and lines written to
//       devices.deny and devices.allow.
//   v2: no files at all. A small BPF program (BPF_PROG_TYPE_CGROUP_DEVICE)
//       is attached to the cgroup, and the kernel runs it on every open.
//
// This host is hybrid, so the example shows both: v1 in the `devices`
// tree, v2 in the cgroup2 mount at /sys/fs/cgroup/unified. A pure v1 or
// pure v2 host shows the one it has. Then it prints pocker's own program,
// and (on v2) checks that it lets /dev/null through and stops loop0.
//
// See Documentation/admin-guide/cgroup-v1/devices.rst, bpf(2), and in
// pocker: pocker/src/security/devices.cpp, device_program.cpp.
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pocker/devices.hpp"
#include "lesson-security.hpp"

namespace {

using lesson::errno_text;

// 0 if `path` opens for reading, else the errno.
int try_open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

bool write_file(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, value.data(), value.size()) < 0) {
    std::printf("write %s \"%s\": %s\n", path.c_str(), value.c_str(), strerror(errno));
    if (fd >= 0) close(fd);
    return false;
  }
  close(fd);
  std::printf("  write %s \"%s\"\n", path.c_str(), value.c_str());
  return true;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Where the cgroup file systems are mounted, read from /proc/self/mountinfo.
// A line looks like this (the fields after " - " are the type, the source
// and the super block options):
//   41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw
//   45 31 0:42 / /sys/fs/cgroup/devices rw,... shared:19 - cgroup cgroup rw,devices
struct CgroupMounts {
  std::string v1_devices;  // empty: no v1 `devices` hierarchy
  std::string v2;          // empty: no cgroup2 mount
};

CgroupMounts find_cgroup_mounts() {
  CgroupMounts found;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream left(line.substr(0, dash)), right(line.substr(dash + 3));
    std::string id, parent, devno, root, mount_point, type, source, options;
    left >> id >> parent >> devno >> root >> mount_point;
    right >> type >> source >> options;
    if (type == "cgroup2" && found.v2.empty()) found.v2 = mount_point;
    if (type == "cgroup" && ("," + options + ",").find(",devices,") != std::string::npos) {
      found.v1_devices = mount_point;
    }
  }
  return found;
}

// A cgroup directory that is always removed again. rmdir fails with EBUSY
// while a process is inside, so anything left is killed first.
class CgroupDir {
 public:
  explicit CgroupDir(std::string path) : path_(std::move(path)) {
    if (mkdir(path_.c_str(), 0755) < 0) {
      std::printf("mkdir %s: %s\n", path_.c_str(), strerror(errno));
      return;
    }
    made_ = true;
    std::printf("  mkdir %s\n", path_.c_str());
  }
  ~CgroupDir() {
    if (!made_) return;
    for (int tries = 0; tries < 200; ++tries) {
      if (rmdir(path_.c_str()) == 0 || errno == ENOENT) return;
      if (errno != EBUSY) break;
      std::istringstream pids(read_file(path_ + "/cgroup.procs"));
      for (pid_t p; pids >> p;) {
        if (p > 1 && p != getpid()) kill(p, SIGKILL);
      }
      struct timespec ten_ms = {0, 10'000'000};
      nanosleep(&ten_ms, nullptr);
    }
    std::printf("rmdir %s: %s (left behind)\n", path_.c_str(), strerror(errno));
  }
  CgroupDir(const CgroupDir&) = delete;
  CgroupDir& operator=(const CgroupDir&) = delete;

  bool ok() const { return made_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool made_ = false;
};

// A temporary directory with one block device node in it: loop0 (block
// 7:0), which almost every machine has. The host's disk (254:0 for
// /dev/vda here) would behave the same; loop0 is simply safe to open.
class TempNode {
 public:
  TempNode() {
    // A node on a `nodev` mount cannot be opened by anyone (EACCES), which
    // would hide the device cgroup's answer. /tmp is often nodev; /dev never is.
    struct statvfs vfs;
    std::string base = statvfs("/tmp", &vfs) == 0 && (vfs.f_flag & ST_NODEV) ? "/dev" : "/tmp";
    std::string templ = base + "/pocker-lesson-dev-XXXXXX";
    if (!mkdtemp(templ.data())) {
      std::printf("mkdtemp %s: %s\n", templ.c_str(), strerror(errno));
      return;
    }
    dir_ = templ;
    dev_ = makedev(7, 0);
    path_ = dir_ + "/loop0";
    if (mknod(path_.c_str(), S_IFBLK | 0600, dev_) < 0) {
      std::printf("mknod %s: %s\n", path_.c_str(), strerror(errno));
      return;
    }
    ok_ = true;
  }
  ~TempNode() {
    if (!path_.empty()) unlink(path_.c_str());
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  TempNode(const TempNode&) = delete;
  TempNode& operator=(const TempNode&) = delete;

  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }
  dev_t dev() const { return dev_; }
  std::string name() const {
    return path_ + " (b " + std::to_string(major(dev_)) + ":" + std::to_string(minor(dev_)) + ")";
  }

 private:
  std::string dir_, path_;
  dev_t dev_ = 0;
  bool ok_ = false;
};

// Runs `body` in a child that starts only once it is in the cgroup `dir`:
// it waits on a pipe until the parent has written its pid to cgroup.procs.
// Returns the child's exit status, or -1. The child is always reaped.
template <typename Body>
int run_in_cgroup(const std::string& dir, Body body) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) < 0) return -1;
  std::fflush(stdout);  // or the child prints our buffered text again
  pid_t pid = fork();
  if (pid < 0) {
    close(go[0]);
    close(go[1]);
    return -1;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(go[1]);
    char byte;
    if (read(go[0], &byte, 1) != 1) _exit(1);  // no byte: the parent gave up
    int code = body();
    std::fflush(stdout);
    _exit(code);
  }
  close(go[0]);
  bool moved = write_file(dir + "/cgroup.procs", std::to_string(pid));
  std::fflush(stdout);
  if (!moved || write(go[1], "g", 1) != 1) kill(pid, SIGKILL);
  close(go[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!moved || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// --- v1 ------------------------------------------------------------------------

bool demo_v1(const std::string& mount, const TempNode& node) {
  std::printf("\nv1: the devices hierarchy is mounted at %s\n", mount.c_str());
  CgroupDir cg(mount + "/pocker-lesson-" + std::to_string(getpid()));
  if (!cg.ok()) return false;
  // A new v1 cgroup starts with its parent's list ("a *:* rwm" at the top).
  // "a" in devices.deny empties it; then we allow only /dev/null (char 1:3).
  // r = open for reading, w = open for writing, m = mknod.
  if (!write_file(cg.path() + "/devices.deny", "a")) return false;
  if (!write_file(cg.path() + "/devices.allow", "c 1:3 rwm")) return false;
  std::printf("v1: devices.list: %s", read_file(cg.path() + "/devices.list").c_str());

  int code = run_in_cgroup(cg.path(), [&node] {
    std::printf("v1: child: open /dev/null = %s\n", errno_text(try_open("/dev/null")).c_str());
    std::printf("v1: child: open %s = %s\n", node.name().c_str(),
                errno_text(try_open(node.path())).c_str());
    // The node is still there: only the cgroup says no. Making a new one
    // is refused too: "m" was not allowed for block devices.
    std::string other = node.dir() + "/again";
    int made = mknod(other.c_str(), S_IFBLK | 0600, node.dev()) == 0 ? 0 : errno;
    if (made == 0) unlink(other.c_str());
    std::printf("v1: child: mknod %s = %s\n", other.c_str(), errno_text(made).c_str());
    return 0;
  });
  std::printf("v1: child exited %d\n", code);
  return code == 0;
}

// --- v2 ------------------------------------------------------------------------

// Our view of one eBPF instruction (struct bpf_insn), for printing.
struct Insn {
  uint8_t code, dst, src;
  int16_t off;
  int32_t imm;
};

const char* alu_symbol(unsigned op) {
  switch (op) {
    case BPF_MOV: return "=";
    case BPF_AND: return "&=";
    case BPF_OR: return "|=";
    case BPF_XOR: return "^=";
    case BPF_ADD: return "+=";
    case BPF_SUB: return "-=";
    case BPF_LSH: return "<<=";
    case BPF_RSH: return ">>=";
    default: return "?=";
  }
}

const char* jump_symbol(unsigned op) {
  switch (op) {
    case BPF_JEQ: return "==";
    case BPF_JNE: return "!=";
    case BPF_JGT: return ">";
    case BPF_JGE: return ">=";
    case BPF_JLT: return "<";
    case BPF_JLE: return "<=";
    case BPF_JSET: return "&";
    default: return "?";
  }
}

// The device program's input (struct bpf_cgroup_dev_ctx in linux/bpf.h):
//   access_type = (access << 16) | type, with type BPF_DEVCG_DEV_BLOCK (1)
//   or BPF_DEVCG_DEV_CHAR (2), and access a mix of BPF_DEVCG_ACC_MKNOD (1),
//   BPF_DEVCG_ACC_READ (2), BPF_DEVCG_ACC_WRITE (4).
const char* context_field(int16_t off) {
  switch (off) {
    case 0: return "    ; ctx->access_type";
    case 4: return "    ; ctx->major";
    case 8: return "    ; ctx->minor";
    default: return "";
  }
}

// Prints one instruction in the notation of the kernel's verifier log.
// Only the classes a device program uses are spelled out; others are raw.
void print_insn(size_t at, const Insn& in) {
  const unsigned cls = BPF_CLASS(in.code), op = BPF_OP(in.code);
  std::printf("  %3zu: ", at);
  if (cls == BPF_ALU64 || cls == BPF_ALU) {
    // ALU64 works on all 64 bits (r0..r10), ALU on the low 32 (w0..w10).
    const char r = cls == BPF_ALU64 ? 'r' : 'w';
    const char* sym = alu_symbol(op);
    if (BPF_SRC(in.code) == BPF_X) {
      std::printf("%c%u %s %c%u\n", r, in.dst, sym, r, in.src);
    } else if (op == BPF_AND) {
      std::printf("%c%u %s 0x%x\n", r, in.dst, sym, static_cast<unsigned>(in.imm));
    } else {
      std::printf("%c%u %s %d\n", r, in.dst, sym, in.imm);
    }
  } else if (cls == BPF_LDX && BPF_MODE(in.code) == BPF_MEM) {
    const unsigned size = BPF_SIZE(in.code);
    const char* type = size == BPF_W ? "u32" : size == BPF_H ? "u16" : size == BPF_B ? "u8" : "u64";
    // r1 holds the context, struct bpf_cgroup_dev_ctx: three u32 fields.
    const char* field = in.src == 1 ? context_field(in.off) : "";
    std::printf("r%u = *(%s *)(r%u %+d)%s\n", in.dst, type, in.src, in.off, field);
  } else if (cls == BPF_JMP || cls == BPF_JMP32) {
    const char r = cls == BPF_JMP ? 'r' : 'w';
    const char* sym = jump_symbol(op);
    // Jumps count from the next instruction: +0 falls through.
    const long target = static_cast<long>(at) + 1 + in.off;
    if (op == BPF_EXIT) {
      std::printf("exit\n");
    } else if (op == BPF_JA) {
      std::printf("goto %+d    ; to %ld\n", in.off, target);
    } else if (op == BPF_CALL) {
      std::printf("call %d\n", in.imm);
    } else if (BPF_SRC(in.code) == BPF_X) {
      std::printf("if %c%u %s %c%u goto %+d    ; to %ld\n", r, in.dst, sym, r, in.src, in.off,
                  target);
    } else {
      std::printf("if %c%u %s %d goto %+d    ; to %ld\n", r, in.dst, sym, in.imm, in.off, target);
    }
  } else {
    std::printf("code 0x%02x dst r%u src r%u off %d imm %d\n", in.code, in.dst, in.src, in.off,
                in.imm);
  }
}

long bpf(int cmd, union bpf_attr& attr) { return syscall(SYS_bpf, cmd, &attr, sizeof(attr)); }

// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program and attaches it to the cgroup
// directory `dir`, with bpf(2) and no library. The kernel keeps the program
// as long as the cgroup holds it, so our descriptors can be closed.
bool load_and_attach(const std::string& dir, const bpf_insn* insns, size_t count) {
  std::vector<char> log(64 * 1024);  // the verifier explains a refusal here
  union bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uintptr_t>(insns);
  load.insn_cnt = static_cast<uint32_t>(count);
  // Only programs with a GPL-compatible license may call some helpers. This
  // one calls none, but the field may not be empty.
  load.license = reinterpret_cast<uintptr_t>("GPL");
  load.log_buf = reinterpret_cast<uintptr_t>(log.data());
  load.log_size = static_cast<uint32_t>(log.size());
  load.log_level = 1;
  long prog = bpf(BPF_PROG_LOAD, load);
  if (prog < 0) {
    std::printf("v2: bpf(BPF_PROG_LOAD): %s\n%s\n", strerror(errno), log.data());
    return false;
  }
  std::printf("v2: bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, %zu instructions) = ok\n",
              count);

  int cgroup_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0) {
    std::printf("open %s: %s\n", dir.c_str(), strerror(errno));
    close(static_cast<int>(prog));
    return false;
  }
  union bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(cgroup_fd);     // the cgroup
  attach.attach_bpf_fd = static_cast<uint32_t>(prog);      // the program
  attach.attach_type = BPF_CGROUP_DEVICE;                  // run it on device access
  bool ok = bpf(BPF_PROG_ATTACH, attach) == 0;
  if (ok) {
    std::printf("v2: bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE) = ok\n");
  } else {
    std::printf("v2: bpf(BPF_PROG_ATTACH): %s\n", strerror(errno));
  }
  close(cgroup_fd);
  close(static_cast<int>(prog));
  return ok;
}

bool demo_v2(const std::string& mount) {
  std::printf("\nv2: cgroup2 is mounted at %s\n", mount.c_str());
  CgroupDir cg(mount + "/pocker-lesson-" + std::to_string(getpid()));
  if (!cg.ok()) return false;

  // The smallest device program: "r0 = 0; exit". The return value (r0)
  // is the answer for every device: 0 = deny, 1 = allow.
  const bpf_insn deny_all[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},  // r0 = 0
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},           // return r0
  };
  for (size_t i = 0; i < 2; ++i) {
    const bpf_insn& b = deny_all[i];
    print_insn(i, Insn{b.code, b.dst_reg, b.src_reg, b.off, b.imm});
  }
  if (!load_and_attach(cg.path(), deny_all, 2)) return false;

  // The program only runs for processes in this cgroup: we are not inside.
  std::printf("v2: parent: open /dev/null = %s\n", errno_text(try_open("/dev/null")).c_str());
  int code = run_in_cgroup(cg.path(), [] {
    std::printf("v2: child: open /dev/null = %s\n", errno_text(try_open("/dev/null")).c_str());
    return 0;
  });
  std::printf("v2: child exited %d\n", code);
  return code == 0;
}

// pocker's rules and its program, as text. Needs no root.
void print_pocker_program() {
  std::vector<pocker::DeviceRule> rules = pocker::default_device_rules();
  std::printf("\npocker's default rules (later rules win):\n");
  for (const auto& rule : rules) {
    std::printf("  %-5s %s\n", rule.allow ? "allow" : "deny",
                pocker::device_rule_line(rule).c_str());
  }
  std::vector<pocker::BpfInsn> program = pocker::device_program(rules);
  std::printf("pocker's program: %zu instructions for %zu rules\n", program.size(), rules.size());
  for (size_t i = 0; i < program.size(); ++i) {
    const pocker::BpfInsn& b = program[i];
    print_insn(i, Insn{b.code, static_cast<uint8_t>(b.regs & 0x0f),
                       static_cast<uint8_t>(b.regs >> 4), b.off, b.imm});
  }
}

// pocker's program at work: loaded by pocker's own code on a fresh cgroup.
bool check_pocker_program(const std::string& v2_mount, const TempNode& node) {
  std::vector<pocker::DeviceRule> rules = pocker::default_device_rules();
  std::printf("\npocker: attach_device_program on a new cgroup\n");
  CgroupDir cg(v2_mount + "/pocker-lesson-" + std::to_string(getpid()) + "-pocker");
  if (!cg.ok()) return false;
  int dir_fd = open(cg.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return false;
  auto attached = pocker::attach_device_program(dir_fd, rules);
  close(dir_fd);
  if (!attached) {
    std::printf("pocker: attach_device_program: %s\n", attached.error().message().c_str());
    return false;
  }
  int code = run_in_cgroup(cg.path(), [&node] {
    std::printf("pocker: child: open /dev/null = %s\n",
                errno_text(try_open("/dev/null")).c_str());
    std::printf("pocker: child: open %s = %s\n", node.name().c_str(),
                errno_text(try_open(node.path())).c_str());
    // "b *:* m": making a node is allowed, opening it is not.
    std::string other = node.dir() + "/again";
    int made = mknod(other.c_str(), S_IFBLK | 0600, node.dev()) == 0 ? 0 : errno;
    std::printf("pocker: child: mknod %s = %s\n", other.c_str(), errno_text(made).c_str());
    if (made == 0) {
      std::printf("pocker: child: open %s = %s\n", other.c_str(),
                  errno_text(try_open(other)).c_str());
      unlink(other.c_str());
    }
    return 0;
  });
  std::printf("pocker: child exited %d\n", code);
  return code == 0;
}

}  // namespace

// With no argument it shows everything this host has. One argument picks
// one part (the tests run them one by one): v1, v2 (with pocker's program
// at work), or program (print pocker's program only; needs no root).
// A part this host cannot show exits 77, which ctest counts as skipped.
int main(int argc, char** argv) {
  const std::string part = argc > 1 ? argv[1] : "all";
  if (part != "all" && part != "v1" && part != "v2" && part != "program") {
    std::printf("usage: %s [v1|v2|program]\n", argv[0]);
    return 2;
  }
  if (part == "program") {
    print_pocker_program();
    return 0;
  }
  if (geteuid() != 0) {
    std::printf("run this as root: only root may make cgroups and device nodes\n");
    return 1;
  }
  CgroupMounts mounts = find_cgroup_mounts();
  if (part == "v1" && mounts.v1_devices.empty()) {
    std::printf("skipped: this host has no v1 devices hierarchy\n");
    return 77;
  }
  if (part == "v2" && mounts.v2.empty()) {
    std::printf("skipped: this host has no cgroup2 mount\n");
    return 77;
  }
  TempNode node;
  if (!node.ok()) return 1;
  std::printf("a block node made with mknod: %s\n", node.name().c_str());
  // Outside a device cgroup, root opens any node it can make: the danger.
  std::printf("parent: open %s = %s\n", node.path().c_str(),
              errno_text(try_open(node.path())).c_str());

  bool ok = true;
  if (part != "v2" && !mounts.v1_devices.empty()) ok = demo_v1(mounts.v1_devices, node) && ok;
  if (part != "v1" && !mounts.v2.empty()) ok = demo_v2(mounts.v2) && ok;
  if (mounts.v1_devices.empty() && mounts.v2.empty()) {
    std::printf("no devices hierarchy and no cgroup2 mount: nothing to show\n");
    ok = false;
  }
  if (part == "all") print_pocker_program();
  if (part != "v1" && !mounts.v2.empty()) ok = check_pocker_program(mounts.v2, node) && ok;
  std::fflush(stdout);
  return ok ? 0 : 1;
}

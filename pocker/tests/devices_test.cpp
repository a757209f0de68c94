// Device cgroup tests: the rules and their parsing, the v1 writer and
// driver against a fake cgroupfs, the v2 program run by a tiny
// interpreter, and (as root) both kernels' device cgroups for real.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/mount.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "fake_cgroupfs.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/devices.hpp"
#include "pocker/fs.hpp"
#include "pocker/root.hpp"

namespace pocker {
namespace {

std::string slurp(const std::string& path) {
  auto text = read_file(path);
  return text ? text.value() : "<missing " + path + ">";
}

std::string error_of(const std::string& text) {
  auto rule = parse_device_rule(text);
  return rule ? "<parsed>" : rule.error().message();
}

std::string mapping_error(const std::string& text) {
  auto mapping = parse_device_mapping(text);
  return mapping ? "<parsed>" : mapping.error().message();
}

std::vector<std::string> lines_of(const std::vector<DeviceRule>& rules) {
  std::vector<std::string> lines;
  for (const auto& rule : rules) lines.push_back((rule.allow ? "allow " : "deny ") + device_rule_line(rule));
  return lines;
}

// A temporary directory, removed at the end of the test whatever happened.
class DeviceTemp : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-devices-test-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }
  std::string dir_;
};

// ---------------------------------------------------------------------------
// Rules

TEST(DeviceRules, ParsesTheV1Forms) {
  EXPECT_EQ(parse_device_rule("c 1:3 rwm").value(), (DeviceRule{true, 'c', 1, 3, "rwm"}));
  EXPECT_EQ(parse_device_rule("b *:* m").value(), (DeviceRule{true, 'b', -1, -1, "m"}));
  EXPECT_EQ(parse_device_rule("c 136:* rw").value(), (DeviceRule{true, 'c', 136, -1, "rw"}));
  EXPECT_EQ(parse_device_rule("a").value(), (DeviceRule{true, 'a', -1, -1, "rwm"}));
  EXPECT_EQ(parse_device_rule("a *:* rwm").value(), (DeviceRule{true, 'a', -1, -1, "rwm"}));
  // Letters in any order, repeated, and extra blanks: one canonical rule.
  EXPECT_EQ(parse_device_rule("  c  10:229   mwrr ").value(), (DeviceRule{true, 'c', 10, 229, "rwm"}));
}

TEST(DeviceRules, RefusesMalformedRulesInOneLine) {
  EXPECT_EQ(error_of("x 1:3 rwm"), "device rule \"x 1:3 rwm\": bad type \"x\" (a, b or c)");
  EXPECT_EQ(error_of("c x:3 rwm"),
            "device rule \"c x:3 rwm\": bad number \"x:3\" (MAJOR:MINOR, each a number or *)");
  EXPECT_EQ(error_of("c 1 rwm"), "device rule \"c 1 rwm\": bad number \"1\" (MAJOR:MINOR)");
  EXPECT_EQ(error_of("c 1:-3 rwm"),
            "device rule \"c 1:-3 rwm\": bad number \"1:-3\" (MAJOR:MINOR, each a number or *)");
  EXPECT_EQ(error_of("c 1:99999999999 r"),
            "device rule \"c 1:99999999999 r\": bad number \"1:99999999999\" (MAJOR:MINOR, each a "
            "number or *)");
  EXPECT_EQ(error_of("c 1:3"), "device rule \"c 1:3\": no access letters (some of r, w, m)");
  EXPECT_EQ(error_of("c 1:3 rwx"), "device rule \"c 1:3 rwx\": bad access \"rwx\" (some of r, w, m)");
  EXPECT_EQ(error_of("c"), "device rule \"c\": no MAJOR:MINOR (e.g. 1:3, or *:* for any)");
  EXPECT_EQ(error_of(""), "device rule \"\": empty (expected TYPE MAJOR:MINOR ACCESS, e.g. c 1:3 rwm)");
  EXPECT_EQ(error_of("c 1:3 rwm x"),
            "device rule \"c 1:3 rwm x\": too many fields (expected TYPE MAJOR:MINOR ACCESS)");
  // v1 reads any `a...` line as "all": other numbers would mean one thing
  // on v1 and another on v2.
  EXPECT_EQ(error_of("a 1:3 rwm"),
            "device rule \"a 1:3 rwm\": type a means every device: write `a` or `a *:* rwm`");
}

TEST(DeviceRules, LinesRoundTrip) {
  for (const char* text : {"c 1:3 rwm", "b *:* m", "c 136:* rw", "a", "b 7:0 r"}) {
    auto rule = parse_device_rule(text);
    ASSERT_TRUE(rule) << rule.error().message();
    EXPECT_EQ(device_rule_line(rule.value()), text);
    EXPECT_EQ(parse_device_rule(device_rule_line(rule.value())).value(), rule.value());
  }
}

TEST(DeviceRules, DockerDefaultsAndPrivileged) {
  EXPECT_EQ(lines_of(default_device_rules()),
            (std::vector<std::string>{"deny a", "allow c *:* m", "allow b *:* m", "allow c 1:3 rwm",
                                      "allow c 1:5 rwm", "allow c 1:7 rwm", "allow c 1:8 rwm",
                                      "allow c 1:9 rwm", "allow c 5:0 rwm", "allow c 5:1 rwm",
                                      "allow c 5:2 rwm", "allow c 136:* rwm"}));
  for (const auto& rule : default_device_rules()) {
    EXPECT_FALSE(rule.type == 'c' && rule.major == 10 && rule.minor == 229) << "fuse is not allowed";
  }
  EXPECT_EQ(lines_of(privileged_device_rules()), (std::vector<std::string>{"allow a"}));
}

// ---------------------------------------------------------------------------
// --device

TEST(DeviceMappings, StatsTheHostNode) {
  auto null = parse_device_mapping("/dev/null");
  ASSERT_TRUE(null) << null.error().message();
  EXPECT_EQ(null.value().host_path, "/dev/null");
  EXPECT_EQ(null.value().container_path, "/dev/null");
  EXPECT_EQ(null.value().access, "rwm");
  EXPECT_EQ(null.value().type, 'c');
  EXPECT_EQ(null.value().major, 1u);
  EXPECT_EQ(null.value().minor, 3u);
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_EQ(null.value().mode, st.st_mode & 07777);
  EXPECT_EQ(null.value().uid, st.st_uid);
  EXPECT_EQ(null.value().gid, st.st_gid);
  EXPECT_EQ(rule_for(null.value()), (DeviceRule{true, 'c', 1, 3, "rwm"}));

  auto renamed = parse_device_mapping("/dev/zero:/dev/sub/zero:wr");
  ASSERT_TRUE(renamed) << renamed.error().message();
  EXPECT_EQ(renamed.value().container_path, "/dev/sub/zero");
  EXPECT_EQ(renamed.value().access, "rw");
  EXPECT_EQ(rule_for(renamed.value()), (DeviceRule{true, 'c', 1, 5, "rw"}));
  // docker's short form: permissions right after the host path.
  auto short_form = parse_device_mapping("/dev/zero:r");
  ASSERT_TRUE(short_form) << short_form.error().message();
  EXPECT_EQ(short_form.value().container_path, "/dev/zero");
  EXPECT_EQ(short_form.value().access, "r");
}

TEST_F(DeviceTemp, MappingErrorsNameTheValue) {
  EXPECT_EQ(mapping_error("/dev/nope"), "--device /dev/nope: no such file or directory");
  std::string file = dir_ + "/plain";
  ASSERT_TRUE(write_file_atomic(file, "x"));
  EXPECT_EQ(mapping_error(file), "--device " + file + ": not a character or block device");
  EXPECT_EQ(mapping_error("/dev/null:dev/null"),
            "--device /dev/null:dev/null: container path \"dev/null\" is not absolute");
  EXPECT_EQ(mapping_error("/dev/null:/dev/null:rwx"),
            "--device /dev/null:/dev/null:rwx: bad permissions \"rwx\" (some of r, w, m)");
  EXPECT_EQ(mapping_error("/dev/null:/dev/../etc/x"),
            "--device /dev/null:/dev/../etc/x: container path \"/dev/../etc/x\" must name a file "
            "inside the container");
  EXPECT_EQ(mapping_error("dev/null"), "--device dev/null: the host path must be absolute");
  EXPECT_EQ(mapping_error("/dev/null:/a:r:x"),
            "--device /dev/null:/a:r:x: expected HOST[:CONTAINER[:PERMISSIONS]]");
}

TEST_F(DeviceTemp, HostDevicesListsNodesOnly) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/plain", ""));
  ASSERT_EQ(::symlink("/dev/null", (dir_ + "/link").c_str()), 0);
  EXPECT_TRUE(host_devices(dir_).empty());
  auto all = host_devices("/dev");
  auto null = std::find_if(all.begin(), all.end(),
                           [](const DeviceMapping& m) { return m.host_path == "/dev/null"; });
  ASSERT_NE(null, all.end());
  EXPECT_EQ(null->container_path, "/dev/null");
  EXPECT_EQ(rule_for(*null), (DeviceRule{true, 'c', 1, 3, "rwm"}));
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.host_path < b.host_path;
  }));
}

// ---------------------------------------------------------------------------
// v1: the writer and the driver

TEST_F(DeviceTemp, V1WriterDeniesAllThenWritesEachRule) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/devices.deny", ""));
  ASSERT_TRUE(write_file_atomic(dir_ + "/devices.allow", ""));
  std::vector<DeviceRule> rules = {parse_device_rule("c 1:3 rwm").value(),
                                   DeviceRule{false, 'c', 1, 3, "w"}};
  ASSERT_TRUE(write_v1_device_rules(dir_, rules));
  // Each write is one rule to the kernel; the plain file keeps them as lines.
  EXPECT_EQ(slurp(dir_ + "/devices.deny"), "a\nc 1:3 w\n");
  EXPECT_EQ(slurp(dir_ + "/devices.allow"), "c 1:3 rwm\n");
}

TEST_F(DeviceTemp, V1WriterWithADefaultOrPrivilegedList) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/devices.deny", ""));
  ASSERT_TRUE(write_file_atomic(dir_ + "/devices.allow", ""));
  ASSERT_TRUE(write_v1_device_rules(dir_, default_device_rules()));
  EXPECT_EQ(slurp(dir_ + "/devices.deny"), "a\n");  // the list's own `deny a`, once
  EXPECT_EQ(slurp(dir_ + "/devices.allow"),
            "c *:* m\nb *:* m\nc 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\n"
            "c 5:1 rwm\nc 5:2 rwm\nc 136:* rwm\n");
  ASSERT_TRUE(write_file_atomic(dir_ + "/devices.deny", ""));
  ASSERT_TRUE(write_file_atomic(dir_ + "/devices.allow", ""));
  ASSERT_TRUE(write_v1_device_rules(dir_, privileged_device_rules()));
  EXPECT_EQ(slurp(dir_ + "/devices.deny"), "");
  EXPECT_EQ(slurp(dir_ + "/devices.allow"), "a\n");
}

TEST_F(DeviceTemp, V1WriterNamesAMissingFile) {
  auto written = write_v1_device_rules(dir_, default_device_rules());
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message(), "open " + dir_ + "/devices.deny: no such file or directory");
}

// A v1 host with a devices hierarchy, in a temporary directory.
constexpr const char* kDevicesMountinfo =
    "30 24 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "31 24 0:27 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "32 24 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "33 24 0:29 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n";

class DeviceV1Driver : public DeviceTemp {
 protected:
  void SetUp() override {
    DeviceTemp::SetUp();
    root_ = dir_ + "/sys/fs/cgroup";
    for (const char* name : {"memory", "pids", "cpu,cpuacct", "devices"}) {
      ASSERT_TRUE(make_dirs(root_ + "/" + name));
      for (const char* file : {"cgroup.procs", "tasks"}) {
        ASSERT_TRUE(write_file_atomic(root_ + "/" + name + "/" + file, ""));
      }
    }
    for (const char* file : {"devices.allow", "devices.deny", "devices.list"}) {
      ASSERT_TRUE(write_file_atomic(root_ + "/devices/" + file, ""));
    }
    host_ = detect_cgroups(kDevicesMountinfo, dir_).value();
  }
  std::string root_;
  CgroupHost host_;
};

TEST_F(DeviceV1Driver, EveryContainerHasADevicesDirectoryWithItsRules) {
  EXPECT_EQ(v1_controllers_for(Resources{}).back(), "devices");
  auto cgroup = make_cgroup(host_, "pocker/dev1", fake_kernel(), v1_controllers_for(Resources{}));
  ASSERT_TRUE(cgroup);
  std::string leaf = root_ + "/devices/pocker/dev1";
  EXPECT_EQ(cgroup.value()->dirs().back(), leaf);
  ASSERT_TRUE(cgroup.value()->create());
  ASSERT_TRUE(cgroupfs::exists(leaf + "/devices.allow"));
  ASSERT_TRUE(cgroup.value()->apply_devices({}));  // nothing to do
  EXPECT_EQ(slurp(leaf + "/devices.deny"), "");
  ASSERT_TRUE(cgroup.value()->apply_devices(default_device_rules()));
  EXPECT_EQ(slurp(leaf + "/devices.deny"), "a\n");
  EXPECT_NE(slurp(leaf + "/devices.allow").find("c 1:3 rwm\n"), std::string::npos);
  // A stale one is found and removed through the devices hierarchy too.
  auto stale = cleanup_stale_cgroups(host_, "pocker", {}, fake_kernel());
  ASSERT_TRUE(stale) << stale.error().message();
  EXPECT_EQ(stale.value(), (std::vector<std::string>{"pocker/dev1"}));
  EXPECT_FALSE(cgroupfs::exists(leaf));
}

TEST_F(DeviceV1Driver, NoDevicesHierarchyFailsOnlyWithRules) {
  CgroupHost memory_only;
  memory_only.layout = CgroupLayout::kV1;
  memory_only.v1_mounts["memory"] = root_ + "/memory";
  auto cgroup = make_cgroup(memory_only, "pocker/dev2", fake_kernel()).value();
  ASSERT_TRUE(cgroup->create());
  EXPECT_TRUE(cgroup->apply_devices({}));
  auto applied = cgroup->apply_devices(default_device_rules());
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().what(),
            "cannot apply the device rules: the devices controller is not mounted (cgroup v1)");
  EXPECT_TRUE(cgroup->destroy());
}

TEST_F(DeviceTemp, V2DriverAttachesToItsDirectoryOnly) {
  ASSERT_TRUE(make_dirs(dir_ + "/unified"));
  auto cgroup = make_cgroup_v2(dir_ + "/unified", "pocker/dev3", fake_kernel()).value();
  ASSERT_TRUE(cgroup->create());
  EXPECT_TRUE(cgroup->apply_devices({}));
  // An ordinary directory takes no program (and without root none loads):
  // the error names the cgroup.
  auto applied = cgroup->apply_devices(default_device_rules());
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.error().what().find(dir_ + "/unified/pocker/dev3"), std::string::npos)
      << applied.error().message();
  EXPECT_TRUE(cgroup->destroy());
}

// ---------------------------------------------------------------------------
// v2: the program, run by an interpreter of the few instructions it uses

struct Request {
  char type;  // 'c' or 'b'
  uint32_t major, minor;
  const char* access;  // some of r, w, m
};

// What the kernel would get back from `program` for `request`, or -1 for
// an instruction this interpreter does not know.
int run_program(const std::vector<BpfInsn>& program, const Request& request) {
  uint32_t access = 0;
  for (const char* c = request.access; *c; ++c) {
    if (*c == 'r') access |= BPF_DEVCG_ACC_READ;
    if (*c == 'w') access |= BPF_DEVCG_ACC_WRITE;
    if (*c == 'm') access |= BPF_DEVCG_ACC_MKNOD;
  }
  bpf_cgroup_dev_ctx ctx{(access << 16) | (request.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
                         request.major, request.minor};
  uint64_t reg[11] = {};
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const BpfInsn& i = program[pc];
    uint8_t dst = i.regs & 0x0f, src = i.regs >> 4;
    auto imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W: {
        if (src != 1) return -1;
        uint32_t value;
        std::memcpy(&value, reinterpret_cast<const char*>(&ctx) + i.off, sizeof(value));
        reg[dst] = value;
        break;
      }
      case BPF_ALU64 | BPF_MOV | BPF_X: reg[dst] = reg[src]; break;
      case BPF_ALU64 | BPF_MOV | BPF_K: reg[dst] = imm; break;
      case BPF_ALU64 | BPF_AND | BPF_K: reg[dst] &= imm; break;
      case BPF_ALU64 | BPF_RSH | BPF_K: reg[dst] >>= i.imm; break;
      case BPF_JMP | BPF_JNE | BPF_K: if (reg[dst] != imm) pc += i.off; break;
      case BPF_JMP | BPF_JEQ | BPF_K: if (reg[dst] == imm) pc += i.off; break;
      case BPF_JMP | BPF_JSET | BPF_K: if (reg[dst] & imm) pc += i.off; break;
      case BPF_JMP | BPF_EXIT: return static_cast<int>(reg[0]);
      default: return -1;
    }
  }
  return -1;  // fell off the end: the verifier would refuse it
}

TEST(DeviceProgram, DefaultRulesAsDockerHasThem) {
  auto program = device_program(default_device_rules());
  EXPECT_EQ(run_program(program, {'c', 1, 3, "rw"}), 1);    // /dev/null
  EXPECT_EQ(run_program(program, {'c', 1, 9, "r"}), 1);     // /dev/urandom
  EXPECT_EQ(run_program(program, {'c', 136, 7, "rw"}), 1);  // a pty
  EXPECT_EQ(run_program(program, {'c', 5, 2, "rw"}), 1);    // ptmx
  EXPECT_EQ(run_program(program, {'b', 7, 0, "m"}), 1);     // mknod: allowed
  EXPECT_EQ(run_program(program, {'c', 10, 229, "m"}), 1);
  EXPECT_EQ(run_program(program, {'b', 7, 0, "r"}), 0);     // but not opened
  EXPECT_EQ(run_program(program, {'b', 254, 0, "rw"}), 0);  // the host's disk
  EXPECT_EQ(run_program(program, {'c', 10, 229, "rw"}), 0);  // fuse
  EXPECT_EQ(run_program(program, {'c', 1, 1, "r"}), 0);     // /dev/mem
  // Nothing after the `deny a` default is unreachable: the verifier
  // refuses dead code, and it ends in `return 0`.
  ASSERT_GE(program.size(), 2u);
  EXPECT_EQ(program[program.size() - 2].imm, 0);
  EXPECT_EQ(program.back().code, BPF_JMP | BPF_EXIT);
}

TEST(DeviceProgram, LaterRulesWin) {
  std::vector<DeviceRule> rules = {DeviceRule{false, 'a', -1, -1, "rwm"},
                                   parse_device_rule("c 1:3 rwm").value(),
                                   DeviceRule{false, 'c', 1, 3, "rwm"}};
  EXPECT_EQ(run_program(device_program(rules), {'c', 1, 3, "r"}), 0);
  rules.push_back(parse_device_rule("c 1:* r").value());
  EXPECT_EQ(run_program(device_program(rules), {'c', 1, 3, "r"}), 1);
  EXPECT_EQ(run_program(device_program(rules), {'c', 1, 3, "rw"}), 0);  // w not granted
}

TEST(DeviceProgram, APartialDenyRefusesWhatItNames) {
  std::vector<DeviceRule> rules = {DeviceRule{false, 'a', -1, -1, "rwm"},
                                   parse_device_rule("c 1:3 rwm").value(),
                                   DeviceRule{false, 'c', 1, 3, "w"}};
  auto program = device_program(rules);
  EXPECT_EQ(run_program(program, {'c', 1, 3, "r"}), 1);
  EXPECT_EQ(run_program(program, {'c', 1, 3, "w"}), 0);
  EXPECT_EQ(run_program(program, {'c', 1, 3, "rw"}), 0);  // as v1: w was taken away
}

TEST(DeviceProgram, AllowAllIsOneRuleAndNoDefault) {
  auto program = device_program(privileged_device_rules());
  EXPECT_EQ(run_program(program, {'b', 8, 0, "rw"}), 1);
  EXPECT_EQ(program.back().code, BPF_JMP | BPF_EXIT);
  EXPECT_EQ(program[program.size() - 2].imm, 1);  // the only return
  EXPECT_EQ(run_program(device_program({}), {'c', 1, 3, "r"}), 0);  // no rules: deny
}

// ---------------------------------------------------------------------------
// The kernel's device cgroups, for real (root only)

// A cgroup directory made for the test, removed at the end whatever happened.
class TestCgroupDir {
 public:
  explicit TestCgroupDir(std::string path) : path_(std::move(path)) {
    made_ = ::mkdir(path_.c_str(), 0755) == 0;
    if (!made_) error_ = errno;
  }
  ~TestCgroupDir() {
    if (!made_) return;
    // A child just reaped may take a moment to leave the cgroup.
    for (int i = 0; i < 100 && ::rmdir(path_.c_str()) < 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool made() const { return made_; }
  int error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool made_ = false;
  int error_ = 0;
};

// Parent side of a forked check: closes the write end, reads what the
// child wrote until EOF, closes the read end.
std::string read_report(int pipe_fds[2]) {
  ::close(pipe_fds[1]);
  std::string report;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof(buf))) > 0;) report.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  return report;
}

// Forks a child that writes its pid to `procs` (joining the cgroup), then
// tries each step; returns what went otherwise than expected, one line
// each (empty: all as expected). `node_dir` is a scratch directory.
std::string probe_in_child(const std::string& procs, const std::string& node_dir,
                           bool expect_null_opens) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) < 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string report;
    auto step = [&](const char* what, bool should_work, int rc) {
      int err = errno;
      if (should_work && rc < 0) report += std::string(what) + ": " + std::strerror(err) + "\n";
      if (!should_work && rc >= 0) report += std::string(what) + ": worked\n";
      if (!should_work && rc < 0 && err != EPERM) {
        report += std::string(what) + ": " + std::strerror(err) + " (expected EPERM)\n";
      }
    };
    int fd = ::open(procs.c_str(), O_WRONLY);
    std::string me = std::to_string(::getpid());
    if (fd < 0 || ::write(fd, me.data(), me.size()) < 0) report += "join cgroup failed\n";
    if (fd >= 0) ::close(fd);
    int null_fd = ::open("/dev/null", O_RDWR);
    step("open /dev/null", expect_null_opens, null_fd);
    if (null_fd >= 0) ::close(null_fd);
    if (expect_null_opens) {
      std::string block = node_dir + "/loop0", chr = node_dir + "/null";
      step("mknod b 7:0", true, ::mknod(block.c_str(), S_IFBLK | 0600, makedev(7, 0)));
      int block_fd = ::open(block.c_str(), O_RDONLY);
      step("open b 7:0", false, block_fd);
      if (block_fd >= 0) ::close(block_fd);
      step("mknod c 1:3", true, ::mknod(chr.c_str(), S_IFCHR | 0600, makedev(1, 3)));
    }
    (void)!::write(pipe_fds[1], report.data(), report.size());
    ::_exit(0);
  }
  std::string report = read_report(pipe_fds);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report += "child did not exit 0\n";
  return report;
}

std::string unified_mount() {
  auto host = detect_cgroups();
  return host ? host.value().unified : "";
}

TEST_F(DeviceTemp, V2ProgramForRealDefaultRules) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to load and attach BPF programs";
  std::string unified = unified_mount();
  if (unified.empty()) GTEST_SKIP() << "no cgroup2 mount";
  EXPECT_EQ(device_program_unavailable_reason(), "");
  TestCgroupDir cgroup(fmt::format("{}/pocker-devices-test-{}", unified, ::getpid()));
  if (!cgroup.made()) GTEST_SKIP() << "cannot make a cgroup in " << unified << ": " << std::strerror(cgroup.error());
  Fd dir(::open(cgroup.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir);
  auto start = std::chrono::steady_clock::now();
  auto attached = attach_device_program(dir.get(), default_device_rules());
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(attached) << attached.error().message();
  std::printf("[ measure  ] build + load + attach of %zu instructions: %lld us\n",
              device_program(default_device_rules()).size(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
  EXPECT_EQ(probe_in_child(cgroup.path() + "/cgroup.procs", dir_, true), "");
  // The parent, outside the cgroup, is not affected.
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  EXPECT_TRUE(null_fd);
}

TEST_F(DeviceTemp, V2ProgramForRealLaterDenyWins) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to load and attach BPF programs";
  std::string unified = unified_mount();
  if (unified.empty()) GTEST_SKIP() << "no cgroup2 mount";
  TestCgroupDir cgroup(fmt::format("{}/pocker-devices-test-later-{}", unified, ::getpid()));
  if (!cgroup.made()) GTEST_SKIP() << "cannot make a cgroup in " << unified << ": " << std::strerror(cgroup.error());
  Fd dir(::open(cgroup.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir);
  std::vector<DeviceRule> rules = {privileged_device_rules()[0], parse_device_rule("c 1:3 rwm").value(),
                                   DeviceRule{false, 'c', 1, 3, "rwm"}};
  auto attached = attach_device_program(dir.get(), rules);
  ASSERT_TRUE(attached) << attached.error().message();
  EXPECT_EQ(probe_in_child(cgroup.path() + "/cgroup.procs", dir_, false), "");
}

TEST_F(DeviceTemp, V1RulesForReal) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to write device rules";
  auto host = detect_cgroups();
  if (!host || !host.value().v1_mounts.count("devices")) GTEST_SKIP() << "no cgroup v1 devices hierarchy";
  TestCgroupDir cgroup(fmt::format("{}/pocker-devices-test-{}", host.value().v1_mounts.at("devices"), ::getpid()));
  if (!cgroup.made()) GTEST_SKIP() << "cannot make a devices cgroup: " << std::strerror(cgroup.error());
  auto start = std::chrono::steady_clock::now();
  auto written = write_v1_device_rules(cgroup.path(), default_device_rules());
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(written) << written.error().message();
  std::printf("[ measure  ] v1 writes of %zu rules: %lld us\n", default_device_rules().size(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
  std::string list = slurp(cgroup.path() + "/devices.list");
  EXPECT_NE(list.find("c 1:3 rwm\n"), std::string::npos) << list;
  EXPECT_NE(list.find("b *:* m\n"), std::string::npos) << list;
  EXPECT_EQ(list.find("a *:* rwm"), std::string::npos) << list;
  EXPECT_EQ(probe_in_child(cgroup.path() + "/cgroup.procs", dir_, true), "");
}

// mount_dev() with --device mappings, in a child with a mount namespace
// of its own (so nothing it mounts outlives it): the node is made at the
// container path with the host node's numbers and mode, bound instead in
// a user namespace, and a path through a link is refused.
TEST_F(DeviceTemp, MountDevMakesTheMappedNodes) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount and mknod";
  DeviceMapping null = parse_device_mapping("/dev/null:/dev/sub/dir/mynull:rw").value();
  DeviceMapping through_link = parse_device_mapping("/dev/zero:/dev/fd/zero").value();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string report;
    auto check = [&](const std::string& root, bool in_user_ns) {
      auto made = mount_dev(root, in_user_ns, {null});
      if (!made) {
        report += made.error().message() + "\n";
        return;
      }
      struct stat st;
      if (::stat((root + "/dev/sub/dir/mynull").c_str(), &st) < 0) {
        report += "no " + root + "/dev/sub/dir/mynull\n";
      } else if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3) || (st.st_mode & 07777) != null.mode) {
        report += fmt::format("{}: mode {:o} rdev {}:{}\n", root, st.st_mode, major(st.st_rdev), minor(st.st_rdev));
      }
      auto refused = mount_dev(root + "2", in_user_ns, {through_link});
      if (refused || refused.error().err() != ENOTDIR) {
        report += "a path through /dev/fd was not refused with ENOTDIR: " +
                  (refused ? std::string("ok") : refused.error().message()) + "\n";
      }
    };
    if (::unshare(CLONE_NEWNS) < 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
      report += "no private mount namespace\n";
    } else {
      for (bool in_user_ns : {false, true}) {
        std::string root = fmt::format("{}/root-{}", dir_, in_user_ns);
        if (!make_dirs(root) || !make_dirs(root + "2")) report += "mkdir " + root + " failed\n";
        check(root, in_user_ns);
      }
    }
    (void)!::write(pipe_fds[1], report.data(), report.size());
    ::_exit(0);
  }
  std::string report = read_report(pipe_fds);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(report, "");
}

}  // namespace
}  // namespace pocker

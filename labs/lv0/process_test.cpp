// What execve(2) hands the container's process: argv exactly, the environment pocker builds (and
// nothing of the host's), the working directory, and stdin, stdout and stderr as pocker got them.
#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lv0/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv0::kArgvEnv;
using lab::lv0::kStdio;
using Env = std::map<std::string, std::string>;

// The probe's environment as NAME -> value.
Env env_of(const nlohmann::json& report) { return report.value("env", nlohmann::json::object()).get<Env>(); }

using Lv0Stdio = lab::LabTest;

TEST_F(Lv0Stdio, StdoutAndStderrKeptApart) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "sh", "-c", "echo out; echo err >&2"});
  LAB_EXPECT_STATUS(outcome, 0, kStdio);
  LAB_EXPECT_OUT_EQ(outcome, "out\n", kStdio);
  LAB_EXPECT_ERR_HAS(outcome, "err", kStdio);
  LAB_EXPECT_OUT_LACKS(outcome, "err", kStdio);
}

TEST_F(Lv0Stdio, StdinReachesContainerWithI) {
  lab::RunOptions opts;
  opts.input = "hello\n";
  const lab::Outcome outcome = pocker.run({"run", "-i", "busybox", "cat"}, opts);
  LAB_EXPECT_STATUS(outcome, 0, kStdio);
  LAB_EXPECT_OUT_EQ(outcome, "hello\n", kStdio);
}

using Lv0Args = lab::LabTest;

TEST_F(Lv0Args, PreservedExactly) {
  const std::vector<std::string> args{"two words", "it's", "\"quoted\"", "", "ünïcødé 中文", "--flag", "-x"};
  std::vector<std::string> probe_args{"args"};
  probe_args.insert(probe_args.end(), args.begin(), args.end());
  const nlohmann::json report = lab::probe(pocker, {}, probe_args);
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(report.value("argv", nlohmann::json()), nlohmann::json(args))
      << "the probe's argv must be the arguments given, byte for byte, the empty one included\n"
      << "  lesson: " << kArgvEnv;
}

TEST_F(Lv0Args, CommandFlagsAreNotPockers) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "echo", "-n", "hi"});
  LAB_EXPECT_STATUS(outcome, 0, kArgvEnv);
  LAB_EXPECT_OUT_EQ(outcome, "hi", kArgvEnv);
}

using Lv0Env = lab::LabTest;

TEST_F(Lv0Env, FlagsSetVariables) {
  const nlohmann::json report = lab::probe(pocker, {"-e", "FOO=bar", "-e", "SPACED=a b"}, {"env"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  const Env env = env_of(report);
  EXPECT_EQ(env.count("FOO") ? env.at("FOO") : "(unset)", "bar") << "  lesson: " << kArgvEnv;
  EXPECT_EQ(env.count("SPACED") ? env.at("SPACED") : "(unset)", "a b") << "  lesson: " << kArgvEnv;
}

TEST_F(Lv0Env, DefaultPathHasBin) {
  const nlohmann::json report = lab::probe(pocker, {}, {"env"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  const Env env = env_of(report);
  ASSERT_TRUE(env.count("PATH")) << "PATH is unset in the container\n  lesson: " << kArgvEnv;
  std::vector<std::string> dirs;
  std::istringstream path(env.at("PATH"));
  for (std::string dir; std::getline(path, dir, ':');) dirs.push_back(dir);
  EXPECT_NE(std::find(dirs.begin(), dirs.end(), "/bin"), dirs.end())
      << "PATH=" << env.at("PATH") << " has no /bin\n  lesson: " << kArgvEnv;
}

TEST_F(Lv0Env, HostEnvironmentDoesNotLeak) {
  lab::RunOptions opts;
  opts.env_extra = {"POCKER_LAB_SECRET=x"};  // in pocker's own environment, not the container's
  const nlohmann::json report = lab::probe(pocker, {}, {"env"}, opts);
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  const Env env = env_of(report);
  ASSERT_TRUE(env.count("PATH")) << "the probe reported no PATH: " << report.dump() << "\n  lesson: " << kArgvEnv;
  EXPECT_FALSE(env.count("POCKER_LAB_SECRET"))
      << "the host's POCKER_LAB_SECRET reached the container: give execve an environment of its own\n"
      << "  lesson: " << kArgvEnv;
}

using Lv0Workdir = lab::LabTest;

TEST_F(Lv0Workdir, FlagSetsWorkingDirectory) {
  const lab::Outcome outcome = pocker.run({"run", "-w", "/tmp", "busybox", "pwd"});
  LAB_EXPECT_STATUS(outcome, 0, kArgvEnv);
  LAB_EXPECT_OUT_EQ(outcome, "/tmp\n", kArgvEnv);
}

TEST_F(Lv0Workdir, DefaultIsRoot) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "pwd"});
  LAB_EXPECT_STATUS(outcome, 0, kArgvEnv);
  LAB_EXPECT_OUT_EQ(outcome, "/\n", kArgvEnv);
}

}  // namespace

// Running a command as a black box: fork + execve (no shell), stdout and stderr captured apart,
// and a deadline after which the whole process group is killed. Labs see pocker only this way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

struct RunOptions {
  std::optional<std::string> input;    // written to stdin, then closed; without it stdin is /dev/null
  std::vector<std::string> env_extra;  // "KEY=VALUE", added to (or replacing in) our own environment
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

struct Outcome {
  int status = -1;  // exit code, or 128+N when killed by signal N; -1 when it could not be started
  std::string out, err;
  bool timed_out = false;         // the deadline passed and the process group was SIGKILLed
  std::vector<std::string> argv;  // what ran, for failure messages
};

// A command still running: read its output as it comes, signal it, then wait for its Outcome.
// The destructor SIGKILLs the process group and reaps the child if it is still running.
class Background {
 public:
  explicit Background(std::vector<std::string> argv, RunOptions opts = {});
  ~Background();
  Background(Background&&) noexcept;
  Background& operator=(Background&&) noexcept;
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const;  // -1 when it could not be started
  // Sends sig to the process itself, not to its group: a forwarding test must see the signal reach
  // the container through pocker, not directly. False once the process has been reaped.
  bool signal(int sig);
  // Reads stdout until it contains needle (true), or until `within` passes or the process ends.
  bool wait_for_stdout(std::string_view needle, std::chrono::milliseconds within);
  // The same for stderr: say, a line of pocker's --trace.
  bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds within);
  const std::string& out() const;  // stdout read so far
  const std::string& err() const;  // stderr read so far
  // Waits until the process exits (killing its group once the options' timeout since the start
  // passes) and returns what it did. Call once.
  Outcome wait();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Runs argv[0] (a path: no PATH search, no shell) to completion.
Outcome run(std::vector<std::string> argv, RunOptions opts = {});

// argv as a shell would need it typed, for messages: pocker run busybox sh -c 'exit 3'.
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace lab

// The output of a container without -t, through pocker (see pocker/output.hpp).
#include "pocker/output.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// A pipe or a socket can lose its reader; a file or a terminal cannot.
bool may_lose_reader(const struct stat& st) { return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode); }

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// One stream of the relay: where it reads, whether it still writes.
struct Stream {
  OutputPipe* pipe;
  bool open = true;     // the pipe has not reached end-of-file
  bool writing = true;  // pocker's side still takes data
};

enum class Read { kData, kEmpty, kEnd };

// Copies what one read(2) gives. kEnd at end-of-file, or on an error,
// which ends the stream too: nothing more would come of it.
Read copy_once(Stream& stream, char* buf, size_t size) {
  while (true) {
    ssize_t n = ::read(stream.pipe->read.get(), buf, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Read::kEmpty;
    if (n <= 0) return Read::kEnd;
    if (stream.writing && !write_all(stream.pipe->target, buf, static_cast<size_t>(n))) {
      trace("relay to descriptor {}: {}; the rest of the container's output is dropped",
            stream.pipe->target, Error(errno, "write").message());
      stream.writing = false;
    }
    return Read::kData;
  }
}

}  // namespace

Result<OutputPipes> make_output_pipes() {
  OutputPipes result;
  struct stat out_st {};
  bool out_relayed = false;
  for (int target : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat st;
    if (::fstat(target, &st) < 0 || !may_lose_reader(st)) continue;
    if (target == STDERR_FILENO && out_relayed && same_file(st, out_st)) {
      result.pipes.front().fds.push_back(STDERR_FILENO);  // `2>&1`: one pipe keeps the order
      continue;
    }
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0) return sys_error("pipe for the container's descriptor {}", target);
    result.pipes.push_back(OutputPipe{target, {target}, Fd(ends[0]), Fd(ends[1])});
    if (target == STDOUT_FILENO) {
      out_relayed = true;
      out_st = st;
    }
  }
  return result;
}

Result<void> use_output_pipes(const OutputPipes& pipes) {
  for (const OutputPipe& pipe : pipes.pipes) {
    for (int fd : pipe.fds) {
      // dup2 leaves the copy without O_CLOEXEC: it survives the exec.
      if (::dup2(pipe.write.get(), fd) < 0) return sys_error("dup2 the output pipe to {}", fd);
    }
  }
  return ok();
}

void close_container_ends(OutputPipes& pipes) {
  for (OutputPipe& pipe : pipes.pipes) pipe.write.reset();
}

Result<void> relay_output(OutputPipes& pipes, pid_t child) {
  if (pipes.pipes.empty()) return ok();
  // A pidfd polls readable once the child has exited (pidfd_open(2), 5.3).
  Fd exited(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
  if (!exited) return sys_error("pidfd_open {}", child);
  std::vector<Stream> streams;
  for (OutputPipe& pipe : pipes.pipes) streams.push_back(Stream{&pipe});
  char buf[65536];
  bool child_alive = true;
  while (child_alive) {
    std::vector<struct pollfd> fds;
    std::vector<Stream*> polled;
    for (Stream& stream : streams) {
      if (!stream.open) continue;
      fds.push_back({stream.pipe->read.get(), POLLIN, 0});
      polled.push_back(&stream);
    }
    if (polled.empty()) return ok();  // every pipe at end-of-file
    fds.push_back({exited.get(), POLLIN, 0});
    int rc = ::poll(fds.data(), fds.size(), -1);
    if (rc < 0 && errno == EINTR) continue;  // a signal forwarded to the container
    if (rc < 0) return sys_error("poll the container's output");
    for (size_t i = 0; i < polled.size(); ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        polled[i]->open = copy_once(*polled[i], buf, sizeof buf) != Read::kEnd;
      }
    }
    child_alive = !(fds.back().revents & POLLIN);
  }
  // The child has exited; in its own PID namespace so have all its
  // processes. Read what is left without waiting for writers that may live
  // on outside it.
  for (Stream& stream : streams) {
    if (!stream.open) continue;
    int flags = ::fcntl(stream.pipe->read.get(), F_GETFL);
    if (flags < 0 || ::fcntl(stream.pipe->read.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
      return sys_error("fcntl O_NONBLOCK on the container's output");
    }
    while (copy_once(stream, buf, sizeof buf) == Read::kData) {
    }
  }
  return ok();
}

}  // namespace pocker

/// @file
/// @brief attach: clients of a detached container's terminal, stdin and output.
///
/// The monitor of a detached container (pocker/lifecycle.hpp) is the only
/// process that holds the container's pty master (-t) or the writing end of
/// its stdin pipe (-i). So it also serves them: it listens on a unix socket,
/// `attach.sock` in the container's directory (mode 0600), and copies
///   - the container's output to every connected client (and to its log,
///     so that `logs` still shows everything),
///   - what a client types into the pty or the stdin pipe,
///   - a client's window size onto the pty (TIOCSWINSZ; the kernel then
///     sends SIGWINCH to the container's foreground job).
/// A client leaves when the user types the detach keys (ctrl-p ctrl-q by
/// default): it closes its connection, and the container runs on.
///
/// Both directions carry frames: a type byte, a 4-byte length (network
/// order), the payload. The monitor's last frame says how the container
/// ended, so that `run -it` exits with the container's status even when
/// `--rm` removed the container just before.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// The kinds of frames, by their type byte.
enum class AttachFrame : char {
  kOutput = 'o',  ///< monitor to client: the container's output
  kInput = 'i',   ///< client to monitor: bytes for the container's stdin or pty
  kResize = 'w',  ///< client to monitor: rows and columns, two 16-bit numbers
  kExit = 'x',    ///< monitor to client: the container's exit code, as text
};

/// docker's `--detach-keys` syntax: keys separated by commas, each a
/// character or `ctrl-` and one of `a`…`z`, `@`, `[`, `\`, `]`, `^`, `_`.
/// Gives the bytes the keys send: `ctrl-p,ctrl-q` is "\x10\x11".
Result<std::string> parse_detach_keys(const std::string& text);

/// Watches typed bytes for the detach keys. A prefix of them is held back
/// until the next byte shows whether the whole sequence follows.
class DetachKeys {
 public:
  /// `keys` as parse_detach_keys() gives them; empty never detaches.
  explicit DetachKeys(std::string keys) : keys_(std::move(keys)) {}
  /// Appends to `out` what should reach the container of `data`; true once
  /// the keys were typed (what follows them is dropped).
  bool feed(const char* data, size_t size, std::string& out);

 private:
  std::string keys_;
  size_t matched_ = 0;
};

/// Monitor side: the listening socket and its clients.
class AttachServer {
 public:
  AttachServer() = default;
  ~AttachServer();
  AttachServer(AttachServer&&) = default;             ///< movable: one owner at a time
  AttachServer& operator=(AttachServer&&) = default;  ///< movable: one owner at a time

  /// Listens on `<dir>/attach.sock`. `log` is the container's log file:
  /// without a pty the container writes there itself, and the server sends
  /// what is appended to its clients. `input` is the writing end of the
  /// container's stdin pipe (-i without -t), else empty. `first`, when
  /// valid, is a client connected from the start (`run -it`'s own end),
  /// so it sees the container's output from its first byte.
  static Result<AttachServer> listen(const std::string& dir, const std::string& log, Fd input, Fd first);

  /// Serves clients until process `child` (the container's first) has
  /// exited. With `console` (the pty master) its output goes to
  /// `log_fd` and to every client.
  Result<void> serve(const Fd* console, pid_t child, int log_fd);

  /// Sends every client the exit code, closes them and the socket.
  void finish(int exit_code);

 private:
  struct Client {
    Fd fd;
    std::string pending;  // bytes of a frame not yet complete
  };
  void broadcast(const char* data, size_t size);
  void accept_client();
  bool read_client(Client& client, const Fd* console);
  void pump_log();

  std::string path_;
  std::string log_path_;
  Fd listen_;
  Fd input_;
  Fd log_;  // read side of the log, at the offset sent so far
  std::vector<Client> clients_;
};

/// What `attach` (and `run -it`) relay.
struct AttachOptions {
  std::string detach_keys = "\x10\x11";  ///< ctrl-p ctrl-q
  bool forward_input = true;              ///< send our stdin to the container
  bool terminal = false;                  ///< the container has a pty: raw mode, window size
};

/// The exit code attach_client() gives after the user detached.
inline constexpr int kAttachDetached = -1;

/// Connects to the attach socket of container `id`. Fails with a clear
/// message when the container is not running, or is paused.
Result<Fd> attach_connect(const StateStore& store, const std::string& id);

/// Client side: relays until the container ends (its exit code) or the
/// detach keys are typed (kAttachDetached).
Result<int> attach_client(const StateStore& store, const std::string& id, const Fd& connection,
                          const AttachOptions& options);

}  // namespace pocker

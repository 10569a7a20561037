// Running commands on a host: exit code, stdout and stderr captured separately, an overall deadline
// (command timeout), optional stdin, and `sudo -n` wrapping for non-root users. Build command lines with
// ssh/shell.hpp (ShellCommand / shellQuote) so every argument that reaches the remote shell is quoted.
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "ssh/session.hpp"
#include "ssh/shell.hpp"

namespace kforge::ssh {

struct ExecResult {
  int exitCode = -1;   // -1 when the command was killed by a signal or timed out
  std::string out;     // stdout
  std::string err;     // stderr
  std::string signal;  // e.g. "KILL" when the remote command died of a signal
  bool timedOut = false;
  std::chrono::milliseconds elapsed{0};
  bool ok() const { return exitCode == 0 && !timedOut; }
  // stdout as one line for a progress detail: trailing newlines dropped, inner ones shown as "; ".
  std::string outLine() const;
};

struct ExecOptions {
  std::optional<std::chrono::milliseconds> timeout;  // default: the session's commandTimeout
  std::string stdinData;                             // written to the command's stdin, then EOF
  bool sudo = true;  // wrap in `sudo -n -- sh -c ...` when the session user is not root
};

// Runs command (a shell command line) and waits for it to finish. Throws kforge::Error when the transport
// fails (not when the command fails: look at exitCode). On timeout the channel is closed and timedOut set.
ExecResult exec(Session& session, const std::string& command, const ExecOptions& options = {});
inline ExecResult exec(Session& session, const ShellCommand& command, const ExecOptions& options = {}) {
  return exec(session, command.str(), options);
}

// The message execChecked throws: "<host>: `<command tail>` failed (exit N): <stderr tail>", the host's output
// escaped and bounded (core/printable.hpp).
std::string failureMessage(const std::string& host, const std::string& command, const ExecResult& r);

// Like exec, but throws kforge::Error "<host>: `<command>` failed (exit N): <stderr tail>" unless it succeeded.
ExecResult execChecked(Session& session, const std::string& command, const ExecOptions& options = {});
inline ExecResult execChecked(Session& session, const ShellCommand& command, const ExecOptions& options = {}) {
  return execChecked(session, command.str(), options);
}

}  // namespace kforge::ssh

#include "ssh/exec.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/printable.hpp"

namespace kforge::ssh {

std::string ExecResult::outLine() const {
  std::string line = out;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  for (size_t p = 0; (p = line.find('\n', p)) != std::string::npos;) line.replace(p, 1, "; ");
  return line;
}

using Clock = std::chrono::steady_clock;

namespace {

// Switches the session to non-blocking for the duration of an exec, so one deadline bounds the whole command.
struct NonBlocking {
  LIBSSH2_SESSION* s;
  explicit NonBlocking(LIBSSH2_SESSION* session) : s(session) { libssh2_session_set_blocking(s, 0); }
  ~NonBlocking() { libssh2_session_set_blocking(s, 1); }
};

// Retries a non-blocking libssh2 call until it stops returning EAGAIN or the deadline passes.
template <typename F>
int retry(Session& session, Clock::time_point deadline, F&& f) {
  for (;;) {
    int rc = f();
    if (rc != LIBSSH2_ERROR_EAGAIN) return rc;
    if (!session.waitSocket(deadline)) return LIBSSH2_ERROR_TIMEOUT;
  }
}

std::string tail(const std::string& s, size_t n = 600) {
  std::string t = s.size() > n ? "..." + s.substr(s.size() - n) : s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

}  // namespace

ExecResult exec(Session& session, const std::string& command, const ExecOptions& options) {
  const std::string line = options.sudo ? sudoWrap(session.options().user, command) : command;
  auto start = Clock::now();
  auto deadline = start + options.timeout.value_or(session.options().commandTimeout);
  ExecResult r;
  session.keepalive();
  LIBSSH2_SESSION* raw = session.raw();
  NonBlocking nb(raw);

  LIBSSH2_CHANNEL* ch = nullptr;
  for (;;) {
    ch = libssh2_channel_open_session(raw);
    if (ch) break;
    if (libssh2_session_last_errno(raw) != LIBSSH2_ERROR_EAGAIN || !session.waitSocket(deadline)) {
      session.markBroken();
      session.fail("cannot open a channel to run `" + command + "`", ExitCode::Unreachable);
    }
  }
  // sshd answers our CLOSE only once the remote command has exited; after a timeout that may be never, so
  // the guard then gives up at once (libssh2 drops late packets for the freed channel).
  struct ChannelGuard {
    Session& s;
    LIBSSH2_CHANNEL* ch;
    bool abandon = false;
    ~ChannelGuard() {
      auto until = Clock::now() + (abandon ? std::chrono::milliseconds(0) : std::chrono::milliseconds(2000));
      while (libssh2_channel_free(ch) == LIBSSH2_ERROR_EAGAIN && s.waitSocket(until)) {
      }
    }
  } guard{session, ch};

  int rc = retry(session, deadline, [&] { return libssh2_channel_exec(ch, line.c_str()); });
  if (rc != 0) session.fail("cannot start `" + command + "`");

  size_t written = 0;
  bool eofSent = false;
  char buf[32768];
  for (;;) {
    bool progress = false;
    if (!eofSent) {
      if (written < options.stdinData.size()) {
        ssize_t n = libssh2_channel_write(ch, options.stdinData.data() + written, options.stdinData.size() - written);
        if (n > 0) {
          written += static_cast<size_t>(n);
          progress = true;
        } else if (n != LIBSSH2_ERROR_EAGAIN) {
          session.fail("writing stdin of `" + command + "`");
        }
      }
      if (written == options.stdinData.size()) {
        int e = libssh2_channel_send_eof(ch);
        if (e == 0) eofSent = true;
        else if (e != LIBSSH2_ERROR_EAGAIN) session.fail("closing stdin of `" + command + "`");
      }
    }
    for (int stream : {0, SSH_EXTENDED_DATA_STDERR}) {
      for (;;) {
        ssize_t n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf);
        if (n > 0) {
          (stream == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
          progress = true;
          continue;
        }
        if (n == 0 || n == LIBSSH2_ERROR_EAGAIN) break;
        session.markBroken();
        session.fail("reading output of `" + command + "`", ExitCode::Unreachable);
      }
    }
    if (libssh2_channel_eof(ch)) break;
    if (!progress && !session.waitSocket(deadline)) {
      r.timedOut = true;
      break;
    }
  }
  if (!r.timedOut) {
    rc = retry(session, deadline, [&] { return libssh2_channel_close(ch); });
    if (rc == 0) {
      retry(session, deadline, [&] { return libssh2_channel_wait_closed(ch); });
      r.exitCode = libssh2_channel_get_exit_status(ch);
      char* sig = nullptr;
      size_t siglen = 0;
      libssh2_channel_get_exit_signal(ch, &sig, &siglen, nullptr, nullptr, nullptr, nullptr);
      if (sig) {
        r.signal.assign(sig, siglen);
        r.exitCode = -1;
        libssh2_free(raw, sig);
      }
    } else if (rc == LIBSSH2_ERROR_TIMEOUT) {
      r.timedOut = true;
    }
  }
  if (r.timedOut) {
    r.exitCode = -1;
    guard.abandon = true;
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (debugEnabled())
    logDebug(session.label() + ": `" + printable(command, 300) + "` -> " +
             (r.timedOut ? std::string("timed out") : "exit " + std::to_string(r.exitCode)) + " in " +
             std::to_string(r.elapsed.count()) + " ms");
  return r;
}

std::string failureMessage(const std::string& host, const std::string& command, const ExecResult& r) {
  std::string why = r.timedOut ? "timed out after " + std::to_string(r.elapsed.count() / 1000) + "s"
                    : !r.signal.empty() ? "killed by SIG" + printable(r.signal, 20)
                                        : "exit " + std::to_string(r.exitCode);
  // The host's output is untrusted: escaped (its lines kept) and bounded before it reaches a terminal.
  std::string detail = printable(tail(r.err.empty() ? r.out : r.err), 2000, true);
  return host + ": `" + printable(tail(command, 200), 1000, true) + "` failed (" + why + ")" +
         (detail.empty() ? "" : ": " + detail);
}

ExecResult execChecked(Session& session, const std::string& command, const ExecOptions& options) {
  ExecResult r = exec(session, command, options);
  if (r.ok()) return r;
  throw Error(failureMessage(session.label(), command, r));
}

}  // namespace kforge::ssh

// TCP connect with a timeout per attempt and retries with exponential backoff (connect only: once a TCP
// connection exists nothing is retried behind the caller's back).
#pragma once
#include <chrono>
#include <string>

namespace kforge::ssh {

struct ConnectPolicy {
  std::chrono::milliseconds timeout{10000};  // per attempt
  int attempts = 3;
  std::chrono::milliseconds backoff{250};    // before the 2nd attempt; doubles after each failure
};

// Returns a connected, blocking socket (CLOEXEC, TCP_NODELAY). Throws kforge::Error (ExitCode::Unreachable)
// "<label> (<host>:<port>): cannot connect: <reason> (<n> attempts in <t>s)".
int tcpConnect(const std::string& label, const std::string& host, int port, const ConnectPolicy& policy);

}  // namespace kforge::ssh

// Helpers for tests that check kforge's output with real programs (openssl, kubectl, etcd).
#pragma once
#include <string>

namespace kforge::testing {

struct RunResult {
  int exitCode = -1;
  std::string out;  // stdout and stderr, interleaved
};

// Runs a shell command line (sh -c) and captures its output.
RunResult run(const std::string& commandLine);
// A fresh temporary directory under $TMPDIR (removed by the caller if it wants; left for post-mortem otherwise).
std::string makeTempDir(const std::string& prefix = "kforge-test");
// Single-quotes s for sh.
std::string shq(const std::string& s);
// A loopback address unique to this test process (ctest runs test processes in parallel), 127.A.B.host.
// Only ever in 127.0.0.0/8.
std::string uniqueLoopback(int host);
// Path to the kforge binary under test.
std::string kforgeBinary();
std::string sourceDir();

}  // namespace kforge::testing

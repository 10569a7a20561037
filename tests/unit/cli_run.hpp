// Runs the kforge binary under test as a user would (sh -c), keeping stdout and stderr apart: -o json results
// go to stdout, warnings, debug lines and "wrote ..." notes to stderr.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace kforge::testing {

struct CliResult {
  int exitCode = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline CliResult runKforge(const std::string& args) {
  const char* base = std::getenv("TMPDIR");
  std::string errFile = std::string(base ? base : "/tmp") + "/kforge-cli-err-XXXXXX";
  int fd = ::mkstemp(errFile.data());
  if (fd < 0) return {};
  ::close(fd);
  CliResult r;
  FILE* p = ::popen((std::string(KFORGE_BINARY) + " " + args + " 2>" + errFile).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(errFile);
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  ::unlink(errFile.c_str());
  return r;
}

}  // namespace kforge::testing

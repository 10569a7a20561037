#include "tests/tools/tool_util.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace kforge::testing {

RunResult run(const std::string& commandLine) {
  RunResult r;
  std::string cmd = commandLine + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + commandLine);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string makeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string shq(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string uniqueLoopback(int host) {
  int pid = static_cast<int>(::getpid());
  return "127." + std::to_string(100 + pid % 100) + "." + std::to_string((pid / 100) % 250 + 1) + "." +
         std::to_string(host);
}

std::string kforgeBinary() { return KFORGE_BINARY; }
std::string sourceDir() { return KFORGE_SOURCE_DIR; }

}  // namespace kforge::testing

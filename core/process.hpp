// Running local programs without a shell (argv vectors, nothing is ever interpolated into a command line).
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace kforge {

struct ProcessResult {
  int exitCode = -1;   // 128+signal when killed
  std::string output;  // stdout and stderr together
  bool timedOut = false;
};

// Runs argv[0] (looked up in PATH) with extra "K=V" environment entries, waiting at most timeoutSeconds.
ProcessResult runProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                         int timeoutSeconds = 600);
// Whether a program is on PATH.
bool haveProgram(const std::string& name);

// A program started in the background (own process group), output to logFile; stopped on destruction.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& logFile);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  bool running();
  void stop();  // SIGTERM, then SIGKILL after 5 s
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace kforge

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "core/error.hpp"
#include "core/lock.hpp"

using namespace kforge;

TEST(FileLock, SecondHolderFailsCleanlyNamingTheFirst) {
  char tmpl[] = "/tmp/kforge-lock-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  std::string path = std::string(tmpl) + "/run.lock";
  FileLock first(path, "backup");
  // flock locks belong to the open file description: a child process contends like a second kforge run.
  pid_t pid = fork();
  if (pid == 0) {
    try {
      FileLock second(path, "backup", 0);
      _exit(1);  // must not get it
    } catch (const Error& e) {
      std::string m = e.what();
      bool ok = e.code() == ExitCode::Locked && m.find("another kforge run holds") != std::string::npos &&
                m.find("pid " + std::to_string(getppid())) != std::string::npos && m.find("backup") != std::string::npos;
      _exit(ok ? 0 : 2);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(FileLock, ReleasedOnDestructionAndWaitersGetIt) {
  char tmpl[] = "/tmp/kforge-lock-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  std::string path = std::string(tmpl) + "/run.lock";
  { FileLock a(path, "apply"); }
  pid_t pid = fork();
  if (pid == 0) {
    try {
      FileLock b(path, "apply", 0);
      _exit(0);
    } catch (...) {
      _exit(1);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

#include "core/utc.hpp"
#include "core/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace kforge {

FileLock::FileLock(const std::string& path, const std::string& purpose, int waitSeconds) : path_(path) {
  makeDirs(dirName(path));
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw Error("cannot open lock file " + path + ": " + std::strerror(errno));
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(waitSeconds);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int e = errno;
      ::close(fd_);
      throw Error("cannot lock " + path + ": " + std::strerror(e));
    }
    if (waitSeconds >= 0 && std::chrono::steady_clock::now() >= until) {
      std::string holder;
      char buf[256] = {};
      if (::pread(fd_, buf, sizeof buf - 1, 0) > 0) holder = buf;
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
      ::close(fd_);
      fd_ = -1;
      throw Error("another kforge run holds " + path + (holder.empty() ? "" : " (" + holder + ")") +
                      "; wait for it to finish" + (waitSeconds == 0 ? " or pass --wait-lock SECONDS" : ""),
                  ExitCode::Locked);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  char info[256];
  std::string ts = utcNow("%Y-%m-%dT%H:%M:%SZ");
  int n = std::snprintf(info, sizeof info, "pid %d, %s, since %s\n", static_cast<int>(::getpid()), purpose.c_str(),
                        ts.c_str());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, info, static_cast<size_t>(n), 0);
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    (void)!::ftruncate(fd_, 0);
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace kforge

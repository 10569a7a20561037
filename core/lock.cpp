#include "core/utc.hpp"
#include "core/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"

namespace kforge {

FileLock::FileLock(const std::string& path, const std::string& purpose, int waitSeconds) : path_(path) {
  // The lock lives in the state dir: make it (0700) or check that it is ours and only ours.
  ensurePrivateDir(dirName(path), "state directory");
  // Never follow a link, never truncate on open: a planted run.lock must not make kforge write elsewhere.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    int e = errno;
    throw Error("cannot open lock file " + path + ": " +
                    (e == ELOOP ? std::string("it is a symbolic link; remove it (kforge makes its own)") : std::strerror(e)),
                ExitCode::InvalidInput);
  }
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_nlink != 1) {
    ::close(fd_);
    fd_ = -1;
    throw Error("lock file " + path + " is not a plain file of yours (a link, another user's file or not a regular "
                "file): refusing to use it; remove it (kforge makes its own)",
                ExitCode::InvalidInput);
  }
  acquire(purpose, waitSeconds);
}

std::unique_ptr<FileLock> FileLock::directory(const std::string& dir, const std::string& purpose, int waitSeconds) {
  std::unique_ptr<FileLock> l(new FileLock());
  l->path_ = dir;
  l->isDirectory_ = true;
  l->fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (l->fd_ < 0) throw Error("cannot open " + dir + " to lock it: " + std::strerror(errno));
  l->acquire(purpose, waitSeconds);
  return l;
}

void FileLock::acquire(const std::string& purpose, int waitSeconds) {
  const std::string& path = path_;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(waitSeconds);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int e = errno;
      ::close(fd_);
      fd_ = -1;
      throw Error("cannot lock " + path + ": " + std::strerror(e));
    }
    if (waitSeconds >= 0 && std::chrono::steady_clock::now() >= until) {
      std::string holder;
      char buf[256] = {};
      if (!isDirectory_ && ::pread(fd_, buf, sizeof buf - 1, 0) > 0) holder = buf;
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
      ::close(fd_);
      fd_ = -1;
      throw Error("another kforge run holds " + path + (holder.empty() ? "" : " (" + holder + ")") +
                      "; wait for it to finish" + (waitSeconds == 0 ? " or pass --wait-lock SECONDS" : ""),
                  ExitCode::Locked);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (isDirectory_) return;
  char info[256];
  std::string ts = utcNow("%Y-%m-%dT%H:%M:%SZ");
  int n = std::snprintf(info, sizeof info, "pid %d, %s, since %s\n", static_cast<int>(::getpid()), purpose.c_str(),
                        ts.c_str());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, info, static_cast<size_t>(n), 0);
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    if (!isDirectory_) (void)!::ftruncate(fd_, 0);
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace kforge

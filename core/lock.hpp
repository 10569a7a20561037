// A per-cluster run lock (flock on run.lock in the state directory) so two kforge runs never overlap on the same
// cluster. The lock file records the holder's pid and start time for the error message. It is opened with
// O_NOFOLLOW and without O_TRUNC, and must be a plain file of the user's in a private state directory
// (core/file_permissions.hpp): a planted link or hard link is refused, never written through.
#pragma once
#include <memory>
#include <string>

namespace kforge {

class FileLock {
 public:
  // waitSeconds < 0: wait forever; 0: fail at once; > 0: wait up to that long.
  // Throws kforge::Error(ExitCode::Locked) naming the holder when the lock is not obtained.
  FileLock(const std::string& path, const std::string& purpose, int waitSeconds = 0);
  // flock on a directory itself, for a tree that must hold no file of kforge's (a node's /etc/kubernetes/pki, a
  // rendered bundle): serializes kforge runs on it, without holder information.
  static std::unique_ptr<FileLock> directory(const std::string& dir, const std::string& purpose, int waitSeconds = 0);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  FileLock() = default;
  void acquire(const std::string& purpose, int waitSeconds);
  int fd_ = -1;
  bool isDirectory_ = false;
  std::string path_;
};

}  // namespace kforge

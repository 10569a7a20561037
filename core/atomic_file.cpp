#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace kforge {

namespace {
std::string baseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

AtomicFile::AtomicFile(std::string target, mode_t mode) : target_(std::move(target)) {
  std::string base = baseName(target_);
  if (base.empty() || base == "." || base == "..") throw Error("cannot write " + target_ + ": not a file name");
  temp_ = dirName(target_) + "/." + base + ".XXXXXX";
  // mkostemp opens with O_RDWR|O_CREAT|O_EXCL and mode 0600: it never opens an existing file or follows a link.
  fd_ = ::mkostemp(temp_.data(), O_CLOEXEC);
  if (fd_ < 0) throw Error("cannot create a temporary file for " + target_ + ": " + std::strerror(errno));
  if (::fchmod(fd_, mode) != 0) {
    int e = errno;
    discard();
    throw Error("cannot set the mode of " + temp_ + ": " + std::strerror(e));
  }
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

void AtomicFile::write(const char* p, size_t n) {
  if (fd_ < 0) throw Error("write to " + target_ + " after commit");
  writeAll(fd_, p, n, temp_);
}

void AtomicFile::commit(bool sync) {
  if (fd_ < 0) throw Error("commit of " + target_ + " twice");
  if (sync && ::fsync(fd_) != 0) {
    int e = errno;
    discard();
    throw Error("cannot finish " + target_ + ": fsync: " + std::strerror(e));
  }
  if (::close(fd_) != 0) {
    int e = errno;
    fd_ = -1;
    discard();
    throw Error("cannot finish " + target_ + ": close: " + std::strerror(e));
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    int e = errno;
    discard();
    throw Error("cannot rename " + temp_ + " to " + target_ + ": " + std::strerror(e));
  }
  temp_.clear();
  if (!sync) return;
  int dfd = ::open(dirName(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace kforge

// The one way kforge creates local files: under a fresh, unpredictable temporary name in the target's own
// directory (mkostemp: O_CREAT|O_EXCL, so a planted file or symlink is never opened or followed), mode set on the
// open descriptor before any byte is written, then fsync and rename(2) over the target (which replaces a symlink
// there instead of following it), then fsync of the directory. Until commit() the target is untouched; a
// destroyed, uncommitted AtomicFile removes its temporary file.
#pragma once
#include <sys/types.h>

#include <string>

namespace kforge {

class AtomicFile {
 public:
  // Creates <dir of target>/.<name of target>.XXXXXX with `mode` (0600 until then). The directory must exist.
  // Throws kforge::Error naming the target on failure.
  AtomicFile(std::string target, mode_t mode);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  int fd() const { return fd_; }
  const std::string& tempPath() const { return temp_; }
  const std::string& target() const { return target_; }
  // Writes all of `n` bytes (retries short writes and EINTR) or throws.
  void write(const char* p, size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }
  // fsync (when sync), close, rename over the target, fsync of the directory (when sync). Throws on failure
  // (the temporary file is then removed and the target left as it was).
  void commit(bool sync = true);

 private:
  void discard() noexcept;
  std::string target_, temp_;
  int fd_ = -1;
};

}  // namespace kforge

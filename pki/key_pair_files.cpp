#include "pki/key_pair_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace kforge::pki {

namespace {

void renameOrThrow(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw Error("cannot rename " + from + " to " + to + ": " + std::strerror(errno));
}

void syncDir(const std::string& path) {
  int fd = ::open(dirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Step 2, also the recovery of a committed change.
void finish(const std::string& keyPath, const std::string& certPath) {
  if (::rename((keyPath + ".next").c_str(), keyPath.c_str()) != 0 && errno != ENOENT)  // ENOENT: already renamed
    throw Error("cannot rename " + keyPath + ".next to " + keyPath + ": " + std::strerror(errno));
  renameOrThrow(certPath + ".next", certPath);
  syncDir(certPath);
  if (dirName(keyPath) != dirName(certPath)) syncDir(keyPath);
}

}  // namespace

void writeKeyPair(const std::string& keyPath, const std::string& keyPem, const std::string& certPath,
                  const std::string& certPem) {
  recoverKeyPair(keyPath, certPath);  // never build on a half-done earlier change
  writeFileAtomic(keyPath + ".next", keyPem, 0600);
  writeFileAtomic(certPath + ".next", certPem, 0644);  // the commit mark
  finish(keyPath, certPath);
}

std::string recoverKeyPair(const std::string& keyPath, const std::string& certPath) {
  if (fileExists(certPath + ".next")) {
    finish(keyPath, certPath);
    return "completed the interrupted replacement of " + certPath + " and its key";
  }
  if (fileExists(keyPath + ".next")) {
    if (::unlink((keyPath + ".next").c_str()) != 0)
      throw Error("cannot remove " + keyPath + ".next: " + std::strerror(errno));
    syncDir(keyPath);
    return "discarded the unfinished replacement of " + keyPath + " (the previous key and certificate stand)";
  }
  return "";
}

}  // namespace kforge::pki

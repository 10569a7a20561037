// Small filesystem helpers used by every module: whole-file reads and atomic writes.
#pragma once
#include <sys/types.h>

#include <string>

namespace kforge {

// Reads a whole file. Throws kforge::Error naming the path on failure.
std::string readFile(const std::string& path);
bool fileExists(const std::string& path);
// Creates path and its parents with the given mode (existing directories are left as they are).
void makeDirs(const std::string& path, mode_t mode = 0755);
// Writes content to path atomically through AtomicFile (core/atomic_file.hpp): a fresh O_EXCL temporary file in
// the same directory with `mode`, fsync, rename over path, fsync of the directory. Missing parent directories
// are created (0700 when mode gives group/others nothing, else 0755).
// With sync = false the two fsyncs are skipped (still atomic); for writers of many files that call syncFilesystem once.
void writeFileAtomic(const std::string& path, const std::string& content, mode_t mode, bool sync = true);
// Flushes the filesystem holding path to disk (syncfs(2)): one barrier after many writeFileAtomic(..., false).
void syncFilesystem(const std::string& path);
// Writes all of n bytes to fd (retries short writes and EINTR); throws kforge::Error "cannot write <what>: ...".
void writeAll(int fd, const char* p, size_t n, const std::string& what);
// Reads a whole regular file without following a link at path (O_NOFOLLOW): a symlink, a FIFO or a device there
// is refused. Throws kforge::Error naming the path.
std::string readFileNoFollow(const std::string& path);
// Expands a leading "~/" with $HOME.
std::string expandHome(const std::string& path);
// Directory part of a path ("." when there is none).
std::string dirName(const std::string& path);

}  // namespace kforge

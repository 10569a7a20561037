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
// Writes content to path atomically: <path>.tmp.<pid>, fsync, chmod, rename, fsync of the directory.
void writeFileAtomic(const std::string& path, const std::string& content, mode_t mode);
// Expands a leading "~/" with $HOME.
std::string expandHome(const std::string& path);
// Directory part of a path ("." when there is none).
std::string dirName(const std::string& path);

}  // namespace kforge

#include "core/file_permissions.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace kforge {

namespace {

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string userName(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  std::string id = "uid " + std::to_string(uid);
  return pw ? std::string(pw->pw_name) + " (" + id + ")" : id;
}

// An ancestor is safe when nobody but root and us can rename entries in it: owned by root or us, and not
// writable by group or others unless sticky (then only an entry's owner may rename it).
std::string unsafeAncestor(const std::string& dir, const struct stat& st) {
  uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me) return dir + " above it belongs to " + userName(st.st_uid);
  if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)
    return dir + " above it is writable by group or others (mode " + octal(st.st_mode) + ") without the sticky bit";
  return "";
}

}  // namespace

void ensurePrivateDir(const std::string& path, const std::string& what) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) throw Error("cannot inspect " + what + " " + path + ": " + std::strerror(errno));
    makeDirs(path, 0700);
  }
  checkPrivateDir(path, what);
}

void checkPrivateDir(const std::string& path, const std::string& what) {
  struct stat lst, st;
  if (::lstat(path.c_str(), &lst) != 0) {
    if (errno == ENOENT) return;
    throw Error("cannot inspect " + what + " " + path + ": " + std::strerror(errno), ExitCode::InvalidInput);
  }
  const uid_t me = ::geteuid();
  const std::string fix = " Use a directory only you can write, or move it away and let kforge create it.";
  if (S_ISLNK(lst.st_mode) && lst.st_uid != 0 && lst.st_uid != me)
    throw Error(what + " " + path + " is a symbolic link owned by " + userName(lst.st_uid) +
                    ", not by you: refusing to use it (another user chose where it points)." + fix,
                ExitCode::InvalidInput);
  if (::stat(path.c_str(), &st) != 0)
    throw Error("cannot inspect " + what + " " + path + ": " + std::strerror(errno), ExitCode::InvalidInput);
  if (!S_ISDIR(st.st_mode)) throw Error(what + " " + path + " is not a directory", ExitCode::InvalidInput);
  if (st.st_uid != me)
    throw Error(what + " " + path + " belongs to " + userName(st.st_uid) + ", not to you (" + userName(me) +
                    "): refusing to keep keys or backups in it or to trust what it holds. If it is yours, chown it to " +
                    userName(me) + "; otherwise use another directory." ,
                ExitCode::InvalidInput);
  if ((st.st_mode & 022) != 0)
    throw Error(what + " " + path + " is writable by group or others (mode " + octal(st.st_mode) +
                    "): another user could plant or swap files in it. Fix: chmod go-w " + path +
                    " (kforge creates it 0700)",
                ExitCode::InvalidInput);
  // Every directory above: another user able to rename entries there could swap this directory for theirs.
  char real[PATH_MAX];
  if (!::realpath(path.c_str(), real))
    throw Error("cannot resolve " + what + " " + path + ": " + std::strerror(errno), ExitCode::InvalidInput);
  std::string dir = real;
  while (dir != "/") {
    dir = dirName(dir);
    struct stat ast;
    if (::stat(dir.c_str(), &ast) != 0)
      throw Error("cannot inspect " + dir + " above " + what + " " + path + ": " + std::strerror(errno),
                  ExitCode::InvalidInput);
    if (std::string why = unsafeAncestor(dir, ast); !why.empty())
      throw Error(what + " " + path + " is not safe: the directory " + why +
                      ", so another user could replace it with their own." + fix,
                  ExitCode::InvalidInput);
  }
}

void checkPrivateKeyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw Error("cannot inspect private key " + path + ": " + std::strerror(errno), ExitCode::InvalidInput);
  }
  if ((st.st_mode & 077) != 0)
    throw Error("UNPROTECTED PRIVATE KEY FILE: permissions " + octal(st.st_mode) + " for " + path +
                    " are too open; a private key must not be accessible by group or others. Fix: chmod 600 " + path +
                    " (and treat the key as exposed if other users could read it)",
                ExitCode::InvalidInput);
}

}  // namespace kforge

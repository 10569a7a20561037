#include "core/sha256.hpp"
#include "ssh/sftp.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "ssh/exec.hpp"

namespace kforge::ssh {

std::string UploadReport::summary() const {
  std::string s = std::to_string(total()) + (total() == 1 ? " file" : " files");
  if (skipped) s += ", " + std::to_string(skipped) + " skipped";
  if (modeFixed) s += ", " + std::to_string(modeFixed) + " mode fixed";
  return s;
}


namespace {

struct RemoteState {
  std::map<std::string, std::string> sha;  // path -> hex
  std::map<std::string, mode_t> mode;      // path -> permission bits
};

std::string octal(mode_t m) {
  char b[8];
  std::snprintf(b, sizeof b, "%04o", static_cast<unsigned>(m & 07777));
  return b;
}

// One round trip: mkdir -p the parents, then sha256 and mode of every target that exists.
RemoteState observe(Session& session, const FileSet& files) {
  std::set<std::string> dirs;
  std::vector<std::string> paths;
  for (const auto& f : files) {
    if (f.path.empty() || f.path[0] != '/' || f.path.find('\n') != std::string::npos)
      throw Error(session.label() + ": upload: remote path must be absolute and one line: '" + f.path + "'");
    dirs.insert(dirName(f.path));
    paths.push_back(f.path);
  }
  // Shell builtins decide what is needed, so the usual cases start at most one program: a fresh target
  // directory costs one mkdir and no sha256sum/stat; a re-upload no mkdir. (Every process a host starts counts
  // when 30 hosts share a few cores.)
  ShellCommand cmd;
  cmd.raw("{");
  for (const auto& d : dirs) cmd.raw("[ -d").arg(d).raw("] &&");
  cmd.raw("true || mkdir -p --").args({dirs.begin(), dirs.end()}).raw("; } && { set --; for f in").args(paths);
  cmd.raw("; do [ -e \"$f\" ] && set -- \"$@\" \"$f\"; done; [ $# -eq 0 ] || { sha256sum -- \"$@\" 2>/dev/null;");
  cmd.raw("echo ::mode::; stat -c '%a %n' -- \"$@\" 2>/dev/null; }; true; }");
  ExecResult r = execChecked(session, cmd);
  RemoteState st;
  std::istringstream in(r.out);
  std::string line;
  bool modes = false;
  while (std::getline(in, line)) {
    if (line == "::mode::") {
      modes = true;
      continue;
    }
    if (!modes) {
      // "<64 hex>  <path>"; a leading backslash marks an escaped name (never ours: we reject newlines above).
      if (line.size() > 66 && line[0] != '\\') st.sha[line.substr(66)] = line.substr(0, 64);
    } else {
      size_t sp = line.find(' ');
      if (sp == std::string::npos) continue;
      st.mode[line.substr(sp + 1)] = static_cast<mode_t>(std::stoul(line.substr(0, sp), nullptr, 8));
    }
  }
  return st;
}

// Writes content to path with mode over SFTP; returns whether fsync@openssh.com worked.
bool writeFile(Session& session, const std::string& path, const std::string& content, mode_t mode) {
  LIBSSH2_SFTP* sftp = session.sftp();
  LIBSSH2_SFTP_HANDLE* h =
      libssh2_sftp_open_ex(sftp, path.c_str(), static_cast<unsigned>(path.size()),
                           LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, static_cast<long>(mode & 0700),
                           LIBSSH2_SFTP_OPENFILE);
  if (!h) session.fail("cannot create " + path + " (sftp error " + std::to_string(libssh2_sftp_last_error(sftp)) + ")");
  struct Close {
    LIBSSH2_SFTP_HANDLE* h;
    ~Close() {
      if (h) libssh2_sftp_close_handle(h);
    }
  } closer{h};
  // Final mode before any byte is written (the open mode is subject to the server's umask).
  LIBSSH2_SFTP_ATTRIBUTES attrs{};
  attrs.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
  attrs.permissions = mode & 07777;
  if (libssh2_sftp_fsetstat(h, &attrs) != 0) session.fail("cannot chmod " + path);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = libssh2_sftp_write(h, content.data() + off, content.size() - off);
    if (n < 0) {
      session.markBroken();
      session.fail("writing " + path);
    }
    off += static_cast<size_t>(n);
  }
  bool synced = libssh2_sftp_fsync(h) == 0;
  closer.h = nullptr;
  if (libssh2_sftp_close_handle(h) != 0) session.fail("closing " + path);
  return synced;
}

}  // namespace

std::string uploadTempPath(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return "." + path + ".kforge-tmp";
  return path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".kforge-tmp";
}

UploadReport upload(Session& session, const FileSet& files) {
  UploadReport rep;
  if (files.empty()) return rep;
  RemoteState st = observe(session, files);

  // Non-root: stage in the user's home; the final install needs sudo anyway.
  std::string stage;
  if (!session.isRoot()) {
    ExecOptions asUser;
    asUser.sudo = false;
    ExecResult r = execChecked(session, "mktemp -d \"$HOME/.kforge-upload.XXXXXX\"", asUser);
    stage = r.out.substr(0, r.out.find('\n'));
  }

  struct Rename {
    std::string tmp, path;
    bool targetExisted;
  };
  std::vector<Rename> renames;
  ShellCommand finish;  // chmods, staged installs and the renames that need `mv -f`, one round trip
  auto andThen = [&finish]() -> ShellCommand& { return finish.empty() ? finish : finish.raw("&&"); };
  bool allSynced = true;
  int n = 0;
  for (const auto& f : files) {
    auto sha = st.sha.find(f.path);
    bool same = sha != st.sha.end() && sha->second == sha256Hex(f.content);
    auto mode = st.mode.find(f.path);
    bool modeOk = mode != st.mode.end() && mode->second == (f.mode & 07777);
    if (same && modeOk) {
      ++rep.skipped;
      continue;
    }
    if (same) {
      ++rep.modeFixed;
      andThen().arg("chmod").arg(octal(f.mode)).arg("--").arg(f.path);
      continue;
    }
    std::string tmp = uploadTempPath(f.path);
    if (stage.empty()) {
      allSynced = writeFile(session, tmp, f.content, f.mode) && allSynced;
    } else {
      std::string staged = stage + "/" + std::to_string(n++);
      allSynced = writeFile(session, staged, f.content, f.mode) && allSynced;
      andThen().arg("install").arg("-o").arg("root").arg("-g").arg("root").arg("-m").arg(octal(f.mode)).arg("--")
          .arg(staged).arg(tmp);
    }
    renames.push_back({tmp, f.path, sha != st.sha.end() || mode != st.mode.end()});
    ++rep.uploaded;
    rep.bytes += f.content.size();
  }
  if (rep.uploaded == 0 && rep.modeFixed == 0) return rep;

  // A target that did not exist when observed is renamed over SFTP: no remote process, one SFTP round trip.
  // OpenSSH's sftp-server renames with link(2) + unlink(2), so the target appears whole and never replaces a
  // file: when one appeared since (or the rename fails for any other reason), `mv -f` below does it instead.
  // Only when every temp file is already durable (fsync'ed) and in place (root: no staging).
  bool sftpRenames = allSynced && stage.empty();
  for (const auto& r : renames) {
    if (sftpRenames && !r.targetExisted &&
        libssh2_sftp_rename_ex(session.sftp(), r.tmp.c_str(), static_cast<unsigned>(r.tmp.size()), r.path.c_str(),
                               static_cast<unsigned>(r.path.size()),
                               LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE) == 0)
      continue;
    andThen().arg("mv").arg("-f").arg("--").arg(r.tmp).arg(r.path);
  }
  if (finish.empty() && stage.empty()) return rep;
  std::string line = finish.empty() ? "true" : finish.str();
  // Staged copies were not fsync'ed by install: sync before renaming them into place.
  if (!allSynced || !stage.empty()) line = "sync && " + line;
  if (!stage.empty()) line += " && rm -rf -- " + shellQuote(stage);
  execChecked(session, line);
  return rep;
}

std::string download(Session& session, const std::string& remotePath) {
  LIBSSH2_SFTP* sftp = session.sftp();
  LIBSSH2_SFTP_HANDLE* h = libssh2_sftp_open_ex(sftp, remotePath.c_str(), static_cast<unsigned>(remotePath.size()),
                                                LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
  if (!h) {
    unsigned long e = libssh2_sftp_last_error(sftp);
    if (e == LIBSSH2_FX_NO_SUCH_FILE) throw Error(session.label() + ": " + remotePath + " does not exist");
    if (e == LIBSSH2_FX_PERMISSION_DENIED) throw Error(session.label() + ": permission denied reading " + remotePath);
    session.fail("cannot open " + remotePath);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = libssh2_sftp_read(h, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      libssh2_sftp_close_handle(h);
      session.fail("reading " + remotePath);
    }
    out.append(buf, static_cast<size_t>(n));
  }
  libssh2_sftp_close_handle(h);
  return out;
}

}  // namespace kforge::ssh

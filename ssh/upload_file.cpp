#include "ssh/upload_file.hpp"

#include "ssh/sftp.hpp"

#include <libssh2_sftp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "ssh/exec.hpp"
#include "ssh/shell.hpp"

namespace kforge::ssh {

namespace {

std::string remoteSha(Session& s, const std::string& path) {
  ShellCommand cmd("sha256sum");
  cmd.arg("--").arg(path).raw("2>/dev/null || true");
  ExecResult r = execChecked(s, cmd);
  return r.out.size() >= 64 ? r.out.substr(0, 64) : "";
}

}  // namespace

FileUploadReport uploadFile(Session& session, const std::string& localPath, const std::string& remotePath,
                            mode_t mode, const std::string& sha256Hex) {
  auto t0 = std::chrono::steady_clock::now();
  FileUploadReport rep;
  if (remotePath.empty() || remotePath[0] != '/' || remotePath.find('\n') != std::string::npos)
    throw Error(session.label() + ": upload: remote path must be absolute and one line: '" + remotePath + "'");
  {
    ShellCommand mk("mkdir");
    mk.arg("-p").arg("--").arg(dirName(remotePath));
    execChecked(session, mk);
  }
  if (remoteSha(session, remotePath) == sha256Hex) {
    rep.skipped = true;
    return rep;
  }
  std::ifstream in(localPath, std::ios::binary);
  if (!in) throw Error("cannot read " + localPath);

  std::string target = uploadTempPath(remotePath);
  std::string written = target;
  if (!session.isRoot()) {
    ExecOptions asUser;
    asUser.sudo = false;
    ExecResult r = execChecked(session, "mktemp \"$HOME/.kforge-upload.XXXXXX\"", asUser);
    written = r.out.substr(0, r.out.find('\n'));
  }
  LIBSSH2_SFTP* sftp = session.sftp();
  LIBSSH2_SFTP_HANDLE* h =
      libssh2_sftp_open_ex(sftp, written.c_str(), static_cast<unsigned>(written.size()),
                           LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0600, LIBSSH2_SFTP_OPENFILE);
  if (!h) session.fail("cannot create " + written + " (sftp error " + std::to_string(libssh2_sftp_last_error(sftp)) + ")");
  std::vector<char> buf(256 * 1024);
  bool synced = false;
  try {
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      size_t got = static_cast<size_t>(in.gcount());
      size_t off = 0;
      while (off < got) {
        ssize_t n = libssh2_sftp_write(h, buf.data() + off, got - off);
        if (n < 0) {
          session.markBroken();
          session.fail("writing " + written);
        }
        off += static_cast<size_t>(n);
      }
      rep.bytes += got;
    }
    synced = libssh2_sftp_fsync(h) == 0;
  } catch (...) {
    libssh2_sftp_close_handle(h);
    throw;
  }
  if (libssh2_sftp_close_handle(h) != 0) session.fail("closing " + written);

  ShellCommand finish;
  if (!synced || written != target) finish.raw("sync &&");
  if (written != target)
    finish.arg("install").arg("-o").arg("root").arg("-g").arg("root").arg("-m").arg("0600").arg("--").arg(written)
        .arg(target).raw("&& rm -f --").arg(written).raw("&&");
  char m[8];
  std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode & 07777));
  finish.arg("chmod").arg(m).arg("--").arg(target).raw("&&").arg("mv").arg("-f").arg("--").arg(target).arg(remotePath);
  execChecked(session, finish);
  std::string got = remoteSha(session, remotePath);
  if (got != sha256Hex)
    throw Error(session.label() + ": " + remotePath + " has sha256 " + got + " after the upload, expected " + sha256Hex);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace kforge::ssh

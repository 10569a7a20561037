// File transfer over SFTP. Uploads are atomic on the host and idempotent:
//   1. one remote command for the whole batch creates missing parent directories and reports sha256 + mode of
//      every target that exists (`sha256sum` / `stat`; shell builtins skip the programs that have nothing to do),
//      so unchanged files cost no transfer and no extra round trip;
//   2. each changed file is written to <dir>/.<name>.kforge-tmp (uploadTempPath) with its final mode, then fsync'ed
//      (fsync@openssh.com when the server supports it, else one remote `sync` for the batch);
//   3. each temp file whose target did not exist is renamed over SFTP (no remote process; sftp-server uses
//      link(2) + unlink(2), so the target appears whole and is never overwritten); one remote command renames
//      the rest over their targets (`mv -f`: rename(2), atomic) and fixes the mode of files whose content
//      already matched. A fresh upload as root therefore runs one remote command in all.
// OpenSSH's sftp-server implements SFTP v3 only, where libssh2_sftp_rename_ex's overwrite flags are ignored and a
// rename onto an existing file fails; libssh2 1.10 cannot send posix-rename@openssh.com, hence `mv -f` for
// replacements (batched into a single round trip).
// Non-root users: files are staged under the user's home over SFTP and moved into place with `sudo -n`.
#pragma once
#include <string>

#include "core/file_set.hpp"
#include "ssh/session.hpp"

namespace kforge::ssh {

struct UploadReport {
  int uploaded = 0;   // content written
  int skipped = 0;    // remote sha256 and mode already matched
  int modeFixed = 0;  // content matched, mode changed
  size_t bytes = 0;   // bytes transferred
  int total() const { return uploaded + skipped + modeFixed; }
  std::string summary() const;  // "14 files, 3 skipped"
};

// Uploads every entry (absolute remote paths). Throws kforge::Error naming the host and file on failure;
// files already renamed into place stay (each file is all-or-nothing).
UploadReport upload(Session& session, const FileSet& files);
// The temporary name a file is written under before its rename: hidden (leading '.') in the target's directory,
// because the kubelet reads EVERY other file of /etc/kubernetes/manifests as a static pod, whatever its
// extension (pkg/kubelet/config/file.go globs "[^.]*"): "/d/kube-apiserver.yaml" -> "/d/.kube-apiserver.yaml.kforge-tmp".
std::string uploadTempPath(const std::string& path);
// Reads a remote file whole. Throws kforge::Error naming the host and path (ExitCode::Failure).
std::string download(Session& session, const std::string& remotePath);

}  // namespace kforge::ssh

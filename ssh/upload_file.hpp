// Streaming upload of one large local file (an etcd snapshot): read in 256 KiB pieces, never whole in memory.
// Same guarantees as upload() (ssh/sftp.hpp): skipped when the host already has a file with that sha256,
// else written to <dir>/.<name>.kforge-tmp (uploadTempPath), fsync'ed, renamed into place; non-root users stage under their home and
// install with `sudo -n`.
#pragma once
#include <sys/types.h>

#include <string>

#include "ssh/session.hpp"

namespace kforge::ssh {

struct FileUploadReport {
  bool skipped = false;  // the host already had it
  size_t bytes = 0;      // bytes sent
  double seconds = 0;
};

// sha256Hex: the local file's sha256 (the caller knows it, e.g. from backup metadata); checked against the
// remote copy after the upload too. Throws kforge::Error naming the host and file on failure.
FileUploadReport uploadFile(Session& session, const std::string& localPath, const std::string& remotePath,
                            mode_t mode, const std::string& sha256Hex);

}  // namespace kforge::ssh

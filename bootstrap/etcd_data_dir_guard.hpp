// The host-side check before reset and restore move the content of the etcd data dir aside: the directory must
// be absent, empty, or look like an etcd data dir — only `member/` (etcd's one entry) and `lost+found/` (when
// the data dir is a file system of its own), both real directories. Anything else (a mistyped dataDir such as
// /var/lib, a directory another program uses), a symbolic link or a non-directory is refused, naming the host and
// the path and listing up to five unexpected entries, before anything is changed. The inventory loader refuses
// system directories statically (core/data_dir.hpp); this check sees what is really on the host.
#pragma once
#include <string>

namespace kforge {

// A POSIX sh snippet that exits 1 with the refusal on stderr, or falls through. dataDir is quoted here.
std::string etcdDataDirGuard(const std::string& host, const std::string& dataDir);

}  // namespace kforge

// A set of files destined for one host (absolute paths on the host, mode, bytes). Produced by pki/ and
// bootstrap/, written to a render directory by render, uploaded by apply.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace kforge {

struct FileEntry {
  std::string path;  // absolute path on the host, e.g. /etc/kubernetes/pki/ca.crt
  mode_t mode = 0644;
  std::string content;
};

using FileSet = std::vector<FileEntry>;

// Writes every entry under root (root + entry.path), creating directories 0755 (0700 for
// /etc/kubernetes/manifests and /etc/kubernetes/tmp), each file atomically (temp, fsync, rename) with its mode.
void writeFileSet(const FileSet& files, const std::string& root);

}  // namespace kforge

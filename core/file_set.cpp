#include "core/file_set.hpp"

#include "core/fs.hpp"

namespace kforge {

void writeFileSet(const FileSet& files, const std::string& root) {
  for (const auto& f : files) {
    std::string dest = root + f.path;
    std::string dir = dirName(dest);
    // kubeadm keeps manifests and tmp dirs private.
    if (f.path.rfind("/etc/kubernetes/manifests/", 0) == 0) {
      makeDirs(root + "/etc/kubernetes", 0755);
      makeDirs(dir, 0700);
    } else {
      makeDirs(dir, 0755);
    }
    writeFileAtomic(dest, f.content, f.mode);
  }
}

}  // namespace kforge

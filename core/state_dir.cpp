#include "core/state_dir.hpp"

#include "core/file_permissions.hpp"
#include "core/fs.hpp"

namespace kforge {

namespace {
std::string besideInventory(const Cluster& c, const std::string& path) {
  std::string p = expandHome(path);
  if (!p.empty() && p[0] == '/') return p;
  std::string base = c.sourceFile.empty() ? "." : dirName(c.sourceFile);
  if (p.rfind("./", 0) == 0) p = p.substr(2);
  return base + "/" + p;
}
}  // namespace

StateDir StateDir::forCluster(const Cluster& c, const std::string& overrideDir) {
  StateDir s{overrideDir.empty() ? besideInventory(c, ".kforge/" + c.name) : expandHome(overrideDir)};
  checkPrivateDir(s.root, "state directory");
  return s;
}

std::string backupDir(const Cluster& c, const std::string& overrideDir) {
  std::string dir = overrideDir.empty() ? besideInventory(c, c.backups.dir) : expandHome(overrideDir);
  checkPrivateDir(dir, "backup directory");
  return dir;
}

std::string kubeletBinaryDir(const Cluster& c) {
  return c.upgrade.kubeletBinaryDir.empty() ? "" : besideInventory(c, c.upgrade.kubeletBinaryDir);
}

}  // namespace kforge

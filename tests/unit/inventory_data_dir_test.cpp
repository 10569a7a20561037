// spec.etcd.dataDir in the inventory: normalised, and never a system directory. reset and restore move the
// whole content of this directory aside, so `/var/lib` or `/etc/kubernetes/pki` there would break the host.
#include <gtest/gtest.h>

#include "core/inventory.hpp"

using namespace kforge;

namespace {

std::string loadDataDir(const std::string& dataDir) {
  std::string text =
      "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n  kubernetesVersion: v1.31.2\n"
      "  etcd: {dataDir: \"" + dataDir + "\"}\n"
      "  nodePools:\n    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n";
  try {
    return parseInventory(text, "d.yaml").etcd.dataDir;
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace

TEST(InventoryDataDir, NormalisedAndSystemDirectoriesRefused) {
  EXPECT_EQ(loadDataDir("/var//lib/./etcd/"), "/var/lib/etcd");
  EXPECT_EQ(loadDataDir("/data/etcd"), "/data/etcd");
  EXPECT_EQ(loadDataDir("/var/lib/"), "error: d.yaml:6:19: spec.etcd.dataDir \"/var/lib/\" is /var/lib, a directory "
                                      "shared by many programs; reset and restore move the whole content of this "
                                      "directory aside, so it must be one that only etcd uses (e.g. /var/lib/etcd)");
  EXPECT_EQ(loadDataDir("/var/lib/etcd/" + std::string(300, 'x')),
            "error: d.yaml:6:19: spec.etcd.dataDir \"/var/lib/etcd/" + std::string(186, 'x') +
                "…(114 more bytes)\" has a component of 300 bytes; each may be at most 255 bytes (NAME_MAX) (e.g. "
                "/var/lib/etcd)");
  std::string longPath;
  while (longPath.size() < 5000) longPath += "/" + std::string(99, 'p');
  std::string e = loadDataDir(longPath);
  EXPECT_NE(e.find("is 5000 bytes long; a path may be at most 4095 bytes (PATH_MAX)"), std::string::npos) << e;
  EXPECT_LT(e.size(), 600u);
}

#include "bootstrap/expected_files.hpp"

#include "bootstrap/kubelet_unit.hpp"
#include "bootstrap/manifests.hpp"
#include "core/sha256.hpp"
#include "pki/store.hpp"

namespace kforge {

namespace {
bool isManifestOrEtcdUnit(const std::string& path) {
  return path.rfind("/etc/kubernetes/manifests/", 0) == 0 || path == kEtcdUnitPath;
}
}  // namespace

bool runsKubelet(const Cluster& c, const Host& h) { return !(h.role == Role::Etcd && c.etcd.runAs == EtcdRunAs::Systemd); }

int filesDiffering(const FileSet& files, const NodeFacts& f) {
  int n = 0;
  for (const auto& file : files) {
    auto it = f.files.find(file.path);
    if (it == f.files.end() || it->second != sha256Hex(file.content)) ++n;
  }
  return n;
}

ExpectedFiles expectedFiles(const Cluster& c, const Host& h, const NodeFacts& f, const std::string& stateDir) {
  ExpectedFiles e;
  FileSet all = pki::hostPkiFiles(c, h, stateDir);
  FileSet m = renderHostManifests(c, h, f.manifestFacts());
  all.insert(all.end(), m.begin(), m.end());
  if (runsKubelet(c, h)) all.push_back({kKubeletUnitPath, 0644, renderKubeletUnit(c, h, f.kubeletPath)});
  auto etcdHosts = c.etcdHosts();
  size_t index = 0;
  for (; index < etcdHosts.size(); ++index)
    if (etcdHosts[index]->name == h.name) break;
  for (auto& file : all) {
    if (file.path == std::string(kManifestsDir) + "/etcd.yaml") {
      file.content = renderEtcdManifest(c, h, etcdInitialCluster(c, index), index == 0 ? "new" : "existing");
      e.etcd.push_back(file);
    } else if (file.path == kEtcdUnitPath) {
      file.content = renderEtcdSystemdUnit(c, h, etcdInitialCluster(c, index), index == 0 ? "new" : "existing");
      e.etcd.push_back(file);
    } else if (isManifestOrEtcdUnit(file.path)) {
      e.controlPlane.push_back(file);
    } else {
      e.node.push_back(file);
    }
  }
  return e;
}

}  // namespace kforge

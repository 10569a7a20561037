#include "bootstrap/bundle.hpp"

#include <algorithm>

#include "pki/store.hpp"

namespace kforge {

std::vector<HostBundle> renderBundle(const Cluster& c, const std::string& stateDir, const HostFacts& facts) {
  std::vector<HostBundle> out;
  for (const Host* h : c.hosts()) {
    HostBundle b{h, pki::hostPkiFiles(c, *h, stateDir)};
    FileSet m = renderHostManifests(c, *h, facts);
    b.files.insert(b.files.end(), m.begin(), m.end());
    std::sort(b.files.begin(), b.files.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace kforge

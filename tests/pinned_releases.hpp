// The pinned testbed releases (tests/upstream/releases) and where tests/upstream/build.sh put their programs.
// Header-only; shared by the unit, tool and e2e tests.
#pragma once
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kforge::pinned {

struct Release {
  std::string kubernetes, etcd;  // "v1.36.3", "v3.6.8"
};

// Oldest first; sourceDir is the checkout's root.
inline std::vector<Release> releases(const std::string& sourceDir) {
  std::vector<Release> out;
  std::ifstream f(sourceDir + "/tests/upstream/releases");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    Release r;
    in >> r.kubernetes >> r.etcd;
    out.push_back(r);
  }
  return out;
}

// A real upstream program of a pinned release ("kubectl", "v1.36.3"), under KFORGE_UPSTREAM_CACHE.
inline std::string upstreamBin(const std::string& program, const std::string& version) {
  const char* cache = std::getenv("KFORGE_UPSTREAM_CACHE");
  return std::string(cache && *cache ? cache : "/var/cache/kforge-testbed") + "/bin/" + program + "-" + version;
}

}  // namespace kforge::pinned

// The real kubeadm of each pinned release (tests/upstream) is the oracle for kforge's version catalog: kforge's
// image list must be exactly what `kubeadm config images list` prints for that release.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;

namespace {

std::vector<std::string> pinnedKubernetes() {
  std::vector<std::string> out;
  std::ifstream f(sourceDir() + "/tests/upstream/releases");
  std::string line;
  while (std::getline(f, line))
    if (!line.empty() && line[0] != '#') out.push_back(line.substr(0, line.find(' ')));
  return out;
}

std::string upstreamBin(const std::string& program, const std::string& version) {
  const char* cache = std::getenv("KFORGE_UPSTREAM_CACHE");
  return std::string(cache && *cache ? cache : "/var/cache/kforge-testbed") + "/bin/" + program + "-" + version;
}

TEST(KubeadmOracle, ImageListsEqualKubeadmsForEveryPinnedRelease) {
  auto releases = pinnedKubernetes();
  ASSERT_EQ(releases.size(), 2u);
  for (const auto& v : releases) {
    auto kubeadm = run(upstreamBin("kubeadm", v) + " config images list --kubernetes-version " + v + " 2>/dev/null");
    ASSERT_EQ(kubeadm.exitCode, 0) << "kubeadm " << v << " (tests/upstream/build.sh builds it): " << kubeadm.out;
    auto ours = run(kforgeBinary() + " images list --kubernetes-version " + v);
    ASSERT_EQ(ours.exitCode, 0) << ours.out;
    EXPECT_EQ(ours.out, kubeadm.out) << v;
    // And with another repository (kubeadm: CoreDNS loses its coredns/ path outside registry.k8s.io).
    auto kubeadmRepo = run(upstreamBin("kubeadm", v) + " config images list --kubernetes-version " + v +
                           " --image-repository registry.example.test/k8s 2>/dev/null");
    auto oursRepo = run(kforgeBinary() + " images list --kubernetes-version " + v + " --image-repository registry.example.test/k8s");
    EXPECT_EQ(oursRepo.out, kubeadmRepo.out) << v;
  }
}

}  // namespace

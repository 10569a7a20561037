// The real kubeadm of each pinned release (tests/upstream) is the oracle for kforge's version catalog: kforge's
// image list must be exactly what `kubeadm config images list` prints for that release.
#include <gtest/gtest.h>

#include "tests/pinned_releases.hpp"
#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;

namespace {

using kforge::pinned::upstreamBin;

TEST(KubeadmOracle, ImageListsEqualKubeadmsForEveryPinnedRelease) {
  auto releases = kforge::pinned::releases(sourceDir());
  ASSERT_EQ(releases.size(), 2u);
  for (const auto& r : releases) {
    const std::string& v = r.kubernetes;
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

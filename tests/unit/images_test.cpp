#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/version_catalog.hpp"
#include "images/images.hpp"
#include "manifest_clusters.hpp"
#include "../pinned_releases.hpp"

using namespace kforge;

namespace {
Version V(const char* s) { return *Version::parse(s); }
Version V(const std::string& s) { return *Version::parse(s); }
}

TEST(Images, ListFor1312MatchesKubeadm) {
  // reference/kubeadm.md §7, exactly.
  EXPECT_EQ(imageList(V("v1.31.2")), (std::vector<std::string>{
                                         "registry.k8s.io/kube-apiserver:v1.31.2",
                                         "registry.k8s.io/kube-controller-manager:v1.31.2",
                                         "registry.k8s.io/kube-scheduler:v1.31.2",
                                         "registry.k8s.io/kube-proxy:v1.31.2",
                                         "registry.k8s.io/coredns/coredns:v1.11.3",
                                         "registry.k8s.io/pause:3.10",
                                         "registry.k8s.io/etcd:3.5.15-0",
                                     }));
}

TEST(Images, CustomRepositoryFlattensCoreDns) {
  ImageListOptions o;
  o.repository = "registry.example.com/k8s";
  auto l = imageList(V("v1.31.2"), o);
  EXPECT_EQ(l[0], "registry.example.com/k8s/kube-apiserver:v1.31.2");
  EXPECT_EQ(l[4], "registry.example.com/k8s/coredns:v1.11.3");
  EXPECT_EQ(l[6], "registry.example.com/k8s/etcd:3.5.15-0");
}

TEST(Images, ExternalEtcdOmitsEtcdAndTagOverrideApplies) {
  auto ext = testclusters::externalEtcd();
  auto l = imageList(ext);
  ASSERT_EQ(l.size(), 6u);
  EXPECT_EQ(l.back(), "registry.k8s.io/pause:3.10");

  auto c = testclusters::etcd36();
  EXPECT_EQ(imageList(c).back(), "registry.k8s.io/etcd:3.6.0-0");
  EXPECT_EQ(etcdImage(c), "registry.k8s.io/etcd:3.6.0-0");
}

TEST(Images, TagReplacesPlus) {
  EXPECT_EQ(kubernetesImageTag("v1.31.2+custom.1"), "v1.31.2_custom.1");
  EXPECT_EQ(kubernetesImageTag("1.31.2"), "v1.31.2");
}

TEST(Catalog, PatchBoundaries) {
  EXPECT_EQ(componentTags(V("v1.29.2")).etcd, "3.5.10-0");
  EXPECT_EQ(componentTags(V("v1.29.3")).etcd, "3.5.12-0");
  EXPECT_EQ(componentTags(V("v1.29.10")).etcd, "3.5.15-0");
  EXPECT_EQ(componentTags(V("v1.29.10")).pause, "3.9");
  EXPECT_EQ(componentTags(V("v1.30.4")).coredns, "v1.11.1");
  EXPECT_EQ(componentTags(V("v1.30.5")).coredns, "v1.11.3");
  EXPECT_EQ(componentTags(V("v1.30.5")).etcd, "3.5.15-0");
  EXPECT_EQ(componentTags(V("v1.31.0")).coredns, "v1.11.1");
  EXPECT_EQ(componentTags(V("v1.31.0")).pause, "3.10");
  EXPECT_EQ(componentTags(V("v1.31.1")).coredns, "v1.11.3");
  EXPECT_EQ(componentTags(V("v1.32.0")).etcd, "3.5.16-0");
  // 1.32.2+: read from kubeadm's constants in each release's module source (docs/versions.md)
  EXPECT_EQ(componentTags(V("v1.32.13")).etcd, "3.5.24-0");
  EXPECT_EQ(componentTags(V("v1.33.6")).coredns, "v1.12.0");
  EXPECT_EQ(componentTags(V("v1.34.0")).etcd, "3.6.4-0");
  EXPECT_EQ(componentTags(V("v1.34.2")).etcd, "3.6.5-0");
  EXPECT_EQ(componentTags(V("v1.34.4")).pause, "3.10.1");
  EXPECT_EQ(componentTags(V("v1.35.4")).coredns, "v1.13.1");
  EXPECT_EQ(componentTags(V("v1.36.3")).etcd, "3.6.8-0");
  EXPECT_EQ(componentTags(V("v1.36.1")).coredns, "v1.14.2");
  EXPECT_EQ(componentTags(V("v1.37.2")).etcd, "3.7.0-0");
  EXPECT_EQ(componentTags(V("v1.37.2")).coredns, "v1.14.6");
  EXPECT_EQ(componentTags(V("v1.37.2")).pause, "3.10.2");
}

TEST(Catalog, UnknownVersionsAreRejectedWithTheSupportedRanges) {
  const std::string ranges =
      "v1.29.0\u2013v1.29.10, v1.30.0\u2013v1.30.6, v1.31.0\u2013v1.31.2, v1.32.0\u2013v1.32.2, v1.32.13, "
      "v1.33.6\u2013v1.33.13, v1.34.0, v1.34.2\u2013v1.34.4, v1.35.4, v1.36.1\u2013v1.36.3, v1.37.2";
  EXPECT_EQ(supportedVersionsText(), ranges);
  for (const char* v : {"v1.33.0", "v1.28.15", "v1.31.3", "v1.32.3", "v1.29.11", "v1.32.0-rc.1", "v1.34.1", "v1.36.4", "v1.37.0",
                        "v1.38.0"}) {
    try {
      componentTags(V(v));
      ADD_FAILURE() << v << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::InvalidInput);
      EXPECT_EQ(std::string(e.what()),
                "Kubernetes " + V(v).str() + " is not in kforge's version catalog (supported: " + ranges + ")");
    }
  }
  EXPECT_THROW(imageList(V("v1.33.0")), Error);
}

TEST(Catalog, RowsAreOrderedAndDisjoint) {
  const auto& cat = versionCatalog();
  for (size_t i = 0; i < cat.size(); ++i) {
    EXPECT_LE(cat[i].from, cat[i].to);
    EXPECT_EQ(cat[i].from.minor, cat[i].to.minor);
    if (i > 0) {
      EXPECT_LT(cat[i - 1].to, cat[i].from);
    }
  }
}

// tests/upstream/releases pins the testbed's releases with the etcd release each installs; kforge's catalog must
// agree (the testbed binds that etcd as the host's package, the kubelet stand-in runs the manifest's image tag).
TEST(Catalog, PinnedTestbedReleasesMatchTheCatalog) {
  auto releases = pinned::releases(KFORGE_SOURCE_DIR);
  for (const auto& r : releases) {
    ASSERT_TRUE(isSupportedKubernetesVersion(V(r.kubernetes))) << r.kubernetes;
    const std::string tag = componentTags(V(r.kubernetes)).etcd;
    EXPECT_EQ("v" + tag.substr(0, tag.find('-')), r.etcd) << r.kubernetes;
  }
  EXPECT_EQ(releases.size(), 2u) << "the two newest minors are pinned";
}

// kubeadm-flags.env, instance-config.yaml and the kubelet unit that reads them, per release (kubeadm's
// kubelet-start phase: ka/phases/kubelet/flags.go, config.go), and the marks kubeadm's mark-control-plane phase
// puts on a Node.
#include <gtest/gtest.h>

#include "bootstrap/kubelet_flags.hpp"
#include "bootstrap/kubelet_unit.hpp"
#include "bootstrap/manifests.hpp"
#include "bootstrap/mark_control_plane.hpp"
#include "test_clusters.hpp"

using namespace kforge;
using namespace kforge::testing;

namespace {

Cluster at(const char* v) {
  Cluster c = stackedCluster();
  c.kubernetesVersion = *Version::parse(v);
  return c;
}

FileEntry fileAt(const FileSet& files, const std::string& path) {
  for (const auto& f : files)
    if (f.path == path) return f;
  return {};
}

TEST(KubeletFlags, Before134TheCriSocketIsAFlagAndAnAnnotation) {
  Cluster c = at("v1.33.6");
  const Host& cp1 = c.nodePools[0].hosts[0];
  EXPECT_EQ(renderKubeletFlagsEnv(c, cp1, "/var/run/crio/crio.sock"),
            "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/crio/crio.sock "
            "--hostname-override=cp1 --node-ip=127.0.1.11\"\n");
  auto files = renderHostManifests(c, cp1, {});
  EXPECT_EQ(fileAt(files, kKubeletInstanceConfigPath).path, "") << "no instance-config.yaml before 1.34";
  EXPECT_NE(fileAt(files, kKubeletConfigPath).content.find("containerRuntimeEndpoint: \"\""), std::string::npos);
  EXPECT_EQ(nodeMarks(c, cp1, "/var/run/crio/crio.sock").annotations.at(kCriSocketAnnotation),
            "unix:///var/run/crio/crio.sock");
}

TEST(KubeletFlags, From134TheCriSocketIsInstanceConfigAndConfigYaml) {
  for (const char* v : {"v1.34.0", "v1.36.3", "v1.37.2"}) {
    Cluster c = at(v);
    const Host& w1 = c.nodePools[1].hosts[0];
    EXPECT_EQ(renderKubeletFlagsEnv(c, w1, "/run/containerd/containerd.sock"),
              "KUBELET_KUBEADM_ARGS=\"--hostname-override=w1 --node-ip=127.0.1.21\"\n") << v;
    HostFacts facts;
    facts.criSocket = "/var/run/cri-dockerd.sock";
    auto files = renderHostManifests(c, w1, facts);
    EXPECT_EQ(fileAt(files, kKubeletInstanceConfigPath).content,
              "containerRuntimeEndpoint: \"unix:///var/run/cri-dockerd.sock\"\n") << v;
    EXPECT_NE(fileAt(files, kKubeletConfigPath).content.find("containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock"),
              std::string::npos) << fileAt(files, kKubeletConfigPath).content;
    EXPECT_EQ(fileAt(files, kKubeletFlagsEnvPath).mode, 0644u);
    EXPECT_TRUE(nodeMarks(c, w1, "").annotations.empty()) << "kubeadm sets no cri-socket annotation from 1.34";
  }
}

TEST(KubeletFlags, TheUnitReadsTheFlagsFileAsKubeadmsDropIn) {
  Cluster c = at("v1.36.3");
  std::string unit = renderKubeletUnit(c, c.nodePools[0].hosts[0], "/usr/bin/kubelet");
  EXPECT_NE(unit.find("EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"), std::string::npos) << unit;
  EXPECT_NE(unit.find("--kubeconfig=/etc/kubernetes/kubelet.conf $KUBELET_KUBEADM_ARGS\n"), std::string::npos) << unit;
  EXPECT_EQ(unit.find("--hostname-override"), std::string::npos) << "node flags live in kubeadm-flags.env: " << unit;
}

TEST(MarkControlPlane, ControlPlanesGetKubeadmsRoleLabelExcludeLabelAndTaint) {
  Cluster c = at("v1.36.3");
  auto m = nodeMarks(c, c.nodePools[0].hosts[0], "");
  EXPECT_EQ(m.labels.at("node-role.kubernetes.io/control-plane"), "");
  EXPECT_EQ(m.labels.at("node.kubernetes.io/exclude-from-external-load-balancers"), "");
  ASSERT_EQ(m.taints.size(), 1u);
  EXPECT_EQ(m.taints[0].key, "node-role.kubernetes.io/control-plane");
  EXPECT_EQ(m.taints[0].effect, "NoSchedule");
  auto w = nodeMarks(c, c.nodePools[1].hosts[0], "");
  EXPECT_EQ(w.labels.count("node-role.kubernetes.io/control-plane"), 0u);
  EXPECT_TRUE(w.taints.empty());
}

TEST(MarkControlPlane, APoolWithItsOwnTaintsReplacesTheDefaultAndAnEmptyListMeansNone) {
  Cluster c = at("v1.36.3");
  c.nodePools[0].labels = {{"tier", "cp"}};
  c.nodePools[0].taintsSet = true;  // taints: []
  auto none = nodeMarks(c, c.nodePools[0].hosts[0], "");
  EXPECT_TRUE(none.taints.empty());
  EXPECT_EQ(none.labels.at("tier"), "cp");
  EXPECT_EQ(none.labels.count("node-role.kubernetes.io/control-plane"), 1u) << "the role label stays";
  c.nodePools[0].taints = {{"dedicated", "cp", "NoExecute"}};
  auto own = nodeMarks(c, c.nodePools[0].hosts[0], "");
  ASSERT_EQ(own.taints.size(), 1u);
  EXPECT_EQ(own.taints[0].key, "dedicated");
}

}  // namespace

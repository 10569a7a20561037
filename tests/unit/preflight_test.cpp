#include <gtest/gtest.h>

#include "bootstrap/facts.hpp"
#include "bootstrap/preflight.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;

namespace {

// Facts of a well-prepared control-plane host, as the facts script prints them.
std::string goodOutput(const std::string& extra = "") {
  return "hostname=cp1\nkernel=6.1.0\nos=Debian GNU/Linux 12 (bookworm)\ncpus=2\nmemKiB=4000000\nswapKiB=0\n"
         "ipForward=1\nuid=0\nkubelet=/usr/bin/kubelet\nkubeletVersion=v1.31.2\nkubeletActive=inactive\n"
         "cri=/run/containerd/containerd.sock\nbin=ip\nbin=iptables\nbin=mount\nbin=nsenter\nbin=ebtables\n"
         "bin=ethtool\nbin=socat\nbin=tc\nbin=touch\n"
         "listen=/proc/net/tcp 0B01007F:0016\n"  // 127.1.0.11:22 (sshd)
         + extra + "--files--\n";
}

std::vector<std::string> names(const std::vector<PreflightFinding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.name + (f.error ? "" : "(w)"));
  return out;
}

}  // namespace

TEST(Facts, ParsesScriptOutput) {
  auto f = parseFacts(goodOutput() +
                      "0123456789012345678901234567890123456789012345678901234567890123  /etc/kubernetes/pki/ca.crt\n"
                      "listen=/proc/net/tcp 00000000:0950\n");
  EXPECT_EQ(f.hostname, "cp1");
  EXPECT_EQ(f.cpus, 2);
  EXPECT_EQ(f.memoryMiB, 3906);
  EXPECT_TRUE(f.root);
  EXPECT_EQ(f.kubeletVersion, "v1.31.2");
  EXPECT_EQ(f.criSocket, "/run/containerd/containerd.sock");
  ASSERT_EQ(f.listeners.size(), 1u);
  EXPECT_EQ(f.listeners[0].address, "127.0.1.11");
  EXPECT_EQ(f.listeners[0].port, 22);
  // Lines after --files-- are hashes, whatever they look like.
  EXPECT_EQ(f.files.size(), 1u);
  EXPECT_EQ(f.files.at("/etc/kubernetes/pki/ca.crt").substr(0, 4), "0123");
}

TEST(Preflight, PreparedHostPasses) {
  Cluster c = kforge::testing::stackedCluster();
  auto f = parseFacts(goodOutput());
  auto findings = preflightHost(c, *c.findHost("cp1"), f, {});
  EXPECT_TRUE(findings.empty()) << findings[0].str();
}

TEST(Preflight, KubeadmNamesForEachProblem) {
  Cluster c = kforge::testing::stackedCluster();
  std::string out = goodOutput();
  out.replace(out.find("swapKiB=0"), 9, "swapKiB=1024");
  out.replace(out.find("ipForward=1"), 11, "ipForward=0");
  out.replace(out.find("cri=/run/containerd/containerd.sock\n"), 36, "");
  out.replace(out.find("bin=iptables\n"), 13, "");
  out.replace(out.find("bin=socat\n"), 10, "");
  out.replace(out.find("kubeletVersion=v1.31.2"), 22, "kubeletVersion=v1.32.0");
  out.replace(out.find("--files--"), 0, "listen=/proc/net/tcp 00000000:192B\n");  // 0.0.0.0:6443
  auto f = parseFacts(out);
  f.hostname = "node-a";
  auto findings = preflightHost(c, *c.findHost("cp1"), f, {});
  EXPECT_EQ(names(findings),
            (std::vector<std::string>{"Swap", "FileContent--proc-sys-net-ipv4-ip_forward", "Port-6443", "CRI",
                                      "FileExisting-iptables", "FileExisting-socat(w)", "KubeletVersion",
                                      "Hostname(w)"}));
  EXPECT_TRUE(preflightFailed(findings));
  EXPECT_EQ(findings[0].str(), "[ERROR Swap]: cp1: running with swap on is not supported; turn it off (swapoff -a) or set failSwapOn: false");
  // Ignoring by name (any case) or "all" turns errors into warnings.
  auto some = preflightHost(c, *c.findHost("cp1"), f, {"swap", "FileContent--proc-sys-net-ipv4-ip_forward", "port-6443", "cri",
                                                        "fileexisting-iptables", "kubeletversion"});
  EXPECT_FALSE(preflightFailed(some));
  EXPECT_TRUE(preflightFailed(preflightHost(c, *c.findHost("cp1"), f, {"swap"})));
  EXPECT_FALSE(preflightFailed(preflightHost(c, *c.findHost("cp1"), f, {"all"})));
}

TEST(Preflight, PortsOfComponentsKforgeAlreadyRunsAreNotConflicts) {
  Cluster c = kforge::testing::stackedCluster();
  auto f = parseFacts(goodOutput());
  f.listeners = {{"127.0.1.11", 2379}, {"127.0.1.11", 2380}};
  f.etcdDataDirEmpty = false;
  auto fresh = preflightHost(c, *c.findHost("cp1"), f, {});
  EXPECT_EQ(names(fresh), (std::vector<std::string>{"Port-2379", "Port-2380", "DirAvailable--var-lib-etcd"}));
  f.files["/etc/kubernetes/manifests/etcd.yaml"] = std::string(64, 'a');
  EXPECT_TRUE(preflightHost(c, *c.findHost("cp1"), f, {}).empty());
  // A worker does not care about etcd's ports.
  f.files.clear();
  f.hostname = "w1";
  EXPECT_TRUE(preflightHost(c, *c.findHost("w1"), f, {}).empty());
}

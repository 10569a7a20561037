// `kforge images list` end to end through the built binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace {
struct Run {
  int rc;
  std::string out;
};
Run run(const std::string& args) {
  std::string cmd = std::string(KFORGE_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}
}  // namespace

TEST(CmdImages, ListsLikeKubeadm) {
  auto r = run("images list --kubernetes-version v1.31.2");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out,
            "registry.k8s.io/kube-apiserver:v1.31.2\nregistry.k8s.io/kube-controller-manager:v1.31.2\n"
            "registry.k8s.io/kube-scheduler:v1.31.2\nregistry.k8s.io/kube-proxy:v1.31.2\n"
            "registry.k8s.io/coredns/coredns:v1.11.3\nregistry.k8s.io/pause:3.10\nregistry.k8s.io/etcd:3.5.15-0\n");
}

TEST(CmdImages, JsonAndRepository) {
  auto r = run("-o json images list --kubernetes-version v1.29.0 --image-repository reg.example/k8s");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("\"images\": ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"reg.example/k8s/coredns:v1.11.1\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"reg.example/k8s/etcd:3.5.10-0\""), std::string::npos) << r.out;
}

TEST(CmdImages, UnknownVersionExits3) {
  auto r = run("images list --kubernetes-version v1.33.0");
  EXPECT_EQ(r.rc, 3);
  EXPECT_NE(r.out.find("error: Kubernetes v1.33.0 is not in kforge's version catalog (supported: v1.29.0"),
            std::string::npos)
      << r.out;
}

TEST(CmdImages, NeedsAVersionOrInventory) {
  EXPECT_EQ(run("images list").rc, 2);
  EXPECT_EQ(run("images list --kubernetes-version v1.31.2 -f x.yaml").rc, 2);
}

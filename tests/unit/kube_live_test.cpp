// KubeClient against a running kube-apiserver (or the testbed's stand-in, tests/testbed/standins/).
// Skipped unless KFORGE_KUBE_TEST_KUBECONFIG names a kubeconfig for it, e.g.
//   KFORGE_KUBE_TEST_KUBECONFIG=/tmp/tb/admin.conf ./build/tests/kforge_unit_tests --gtest_filter='KubeLive*'
// The server must be on a 127.0.0.0/8 address. The tests create and delete objects in a namespace of their
// own (kforge-test-<pid>) and put back any label / taint / cordon they change on the first node.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "kube/client.hpp"
#include "kube/paths.hpp"

using namespace kforge;
using namespace kforge::kube;
using nlohmann::json;

namespace {

class KubeLive : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* kc = std::getenv("KFORGE_KUBE_TEST_KUBECONFIG");
    if (!kc || !*kc) GTEST_SKIP() << "set KFORGE_KUBE_TEST_KUBECONFIG to a kubeconfig of a running API server";
    client_ = std::make_unique<KubeClient>(KubeClient::fromKubeconfig(kc));
    ns_ = "kforge-test-" + std::to_string(::getpid());
  }
  std::unique_ptr<KubeClient> client_;
  std::string ns_;
};

TEST_F(KubeLive, VersionAndReadyz) {
  EXPECT_EQ(client_->version().rfind("v1.", 0), 0u);
  ReadyzResult r = client_->readyz(true);
  EXPECT_TRUE(r.ok) << r.status << " " << r.text;
}

TEST_F(KubeLive, ApplyCreateUnchangedUpdateDelete) {
  KubeClient& k = *client_;
  json nsObj = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}};
  k.apply(nsObj);
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "c"}, {"namespace", ns_}, {"labels", {{"app", "kforge"}}}}},
             {"data", {{"a", "1"}}}};
  EXPECT_EQ(k.apply(cm).action, ApplyAction::Created);
  EXPECT_EQ(k.apply(cm).action, ApplyAction::Unchanged);
  cm["data"]["a"] = "2";
  ApplyResult u = k.apply(cm);
  EXPECT_EQ(u.action, ApplyAction::Updated);
  EXPECT_EQ(u.object["data"]["a"], "2");

  json l = k.list("/api/v1/namespaces/" + ns_ + "/configmaps", "app=kforge");
  ASSERT_EQ(l["items"].size(), 1u);
  k.mergePatch(objectPath(cm), {{"data", {{"b", "3"}}}});
  EXPECT_EQ(k.get(objectPath(cm))["data"]["b"], "3");

  try {
    k.get("/api/v1/namespaces/" + ns_ + "/configmaps/absent");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.notFound());
    EXPECT_NE(std::string(e.what()).find("404 NotFound"), std::string::npos) << e.what();
  }
  k.remove(objectPath(cm));
  EXPECT_FALSE(k.getIfExists(objectPath(cm)).has_value());
  EXPECT_FALSE(k.removeIfExists(objectPath(cm)));
  k.removeIfExists(objectPath(nsObj));
}

TEST_F(KubeLive, NodeLabelTaintCordon) {
  KubeClient& k = *client_;
  json nodes = k.list("/api/v1/nodes");
  if (nodes["items"].empty()) GTEST_SKIP() << "no nodes registered";
  const std::string name = nodes["items"][0]["metadata"]["name"];
  k.labelNode(name, {{"kforge.dev/test", "1"}});
  EXPECT_EQ(k.getNode(name)["metadata"]["labels"]["kforge.dev/test"], "1");
  k.labelNode(name, {{"kforge.dev/test", std::nullopt}});
  EXPECT_FALSE(k.getNode(name)["metadata"]["labels"].contains("kforge.dev/test"));

  EXPECT_TRUE(k.taintNode(name, {{"kforge.dev/test", "x", "NoSchedule"}}));
  EXPECT_FALSE(k.taintNode(name, {{"kforge.dev/test", "x", "NoSchedule"}}));  // idempotent
  EXPECT_TRUE(k.untaintNode(name, "kforge.dev/test"));

  const bool wasCordoned = k.getNode(name)["spec"].value("unschedulable", false);
  k.cordon(name);
  EXPECT_TRUE(k.getNode(name)["spec"].value("unschedulable", false));
  if (!wasCordoned) k.uncordon(name);
  (void)k.listPodsOnNode(name);
}

}  // namespace

// KubeClient against a running kube-apiserver (or the testbed's stand-in, tests/testbed/standins/).
// Skipped unless KFORGE_KUBE_TEST_KUBECONFIG names a kubeconfig for it, e.g.
//   KFORGE_KUBE_TEST_KUBECONFIG=/tmp/tb/admin.conf ./build/tests/kforge_unit_tests --gtest_filter='KubeLive*'
// The server must be on a 127.0.0.0/8 address. The tests create and delete objects in a namespace of their
// own (kforge-test-<pid>) and put back any label / taint / cordon they change on the first node.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

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
  ASSERT_EQ(k.apply(nsObj).action, ApplyAction::Created);
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
  json patched = k.mergePatch(objectPath(cm), {{"data", {{"b", "3"}}}});
  EXPECT_EQ(patched["data"]["b"], "3");
  EXPECT_EQ(patched["data"]["a"], "2");  // a merge patch keeps the other keys
  EXPECT_EQ(k.get(objectPath(cm))["data"]["b"], "3");

  try {
    k.get("/api/v1/namespaces/" + ns_ + "/configmaps/absent");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.notFound());
    EXPECT_NE(std::string(e.what()).find("404 NotFound"), std::string::npos) << e.what();
  }
  json removed = k.remove(objectPath(cm));
  EXPECT_TRUE(removed.value("kind", "") == "ConfigMap" || removed.value("status", "") == "Success") << removed.dump();
  EXPECT_FALSE(k.getIfExists(objectPath(cm)).has_value());
  EXPECT_FALSE(k.removeIfExists(objectPath(cm)));
  EXPECT_TRUE(k.removeIfExists(objectPath(nsObj)));
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

  auto hasTestTaint = [&] {
    json n = k.getNode(name);
    for (const auto& t : n["spec"].value("taints", json::array()))
      if (t.value("key", "") == "kforge.dev/test" && t.value("effect", "") == "NoSchedule") return true;
    return false;
  };
  EXPECT_TRUE(k.taintNode(name, {{"kforge.dev/test", "x", "NoSchedule"}}));
  EXPECT_TRUE(hasTestTaint());
  EXPECT_FALSE(k.taintNode(name, {{"kforge.dev/test", "x", "NoSchedule"}}));  // idempotent
  EXPECT_TRUE(k.untaintNode(name, "kforge.dev/test"));
  EXPECT_FALSE(hasTestTaint());
  EXPECT_FALSE(k.untaintNode(name, "kforge.dev/test"));  // nothing left to remove

  // cordon sets spec.unschedulable; uncordon clears it, as read back from the server (absent or false).
  const bool wasCordoned = k.getNode(name)["spec"].value("unschedulable", false);
  k.cordon(name);
  EXPECT_TRUE(k.getNode(name)["spec"].value("unschedulable", false));
  k.uncordon(name);
  json spec = k.getNode(name)["spec"];
  EXPECT_FALSE(spec.value("unschedulable", false)) << spec.dump();
  if (wasCordoned) k.cordon(name);  // put back what we found

  // The pods on the node: exactly those of a full list whose spec.nodeName is the node (a pod scheduled between
  // the two reads differs them: read both again, a few times at most).
  std::set<std::string> onNode, expected;
  for (int round = 0; round < 3 && (round == 0 || onNode != expected); ++round) {
    onNode.clear();
    expected.clear();
    for (const auto& p : k.listPodsOnNode(name)) {
      EXPECT_EQ(p["spec"].value("nodeName", ""), name) << p["metadata"].value("name", "");
      onNode.insert(p["metadata"].value("namespace", "") + "/" + p["metadata"].value("name", ""));
    }
    const json all = k.list("/api/v1/pods");  // named: a temporary's ["items"] would dangle in the range-for
    for (const auto& p : all["items"])
      if (p["spec"].value("nodeName", "") == name)
        expected.insert(p["metadata"].value("namespace", "") + "/" + p["metadata"].value("name", ""));
  }
  EXPECT_EQ(onNode, expected);
}

}  // namespace

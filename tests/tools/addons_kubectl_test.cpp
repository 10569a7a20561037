// The addon objects checked with the real kubectl, without an API server:
//  1. `kubectl create --dry-run=client -o json -f <object>` for every object. kubectl needs the API's
//     discovery to map kind → resource; the test gives it a fresh discovery cache (--cache-dir) built from
//     kube/paths.hpp's mapping, for a server address on which nothing listens (127.0.0.1:1), so kubectl
//     never connects. kubectl must accept each object and print it back unchanged. (--validate=false: schema
//     validation needs the server's OpenAPI document.)
//  2. Typed decoding, which catches misspelled / misplaced fields and wrong types: `kubectl set image --local`
//     (Deployment, DaemonSet) and `kubectl set subject --local` (bindings) decode into the real Go types and
//     encode again; unknown fields are dropped, so every field kforge sets must survive the round trip.
//  3. The kubeconfigs embedded in ConfigMaps (cluster-info, kube-proxy's kubeconfig.conf) load with
//     `kubectl config view`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "../unit/addons_test_util.hpp"
#include "../unit/manifest_clusters.hpp"
#include "bootstrap/addons.hpp"
#include "kube/merge.hpp"
#include "kube/paths.hpp"
#include "tool_util.hpp"

namespace fs = std::filesystem;
using namespace kforge;
using namespace kforge::testing;
using nlohmann::json;

namespace {

bool haveKubectl() { return run("command -v kubectl >/dev/null").exitCode == 0; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spill(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary | std::ios::trunc) << s; }

class AddonsKubectl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveKubectl()) GTEST_SKIP() << "kubectl not installed";
    dir_ = makeTempDir("kforge-addons-kubectl");
    objects_ = addonObjects(testclusters::stackedHa(), testaddons::options());
    writeDiscoveryCache();
  }
  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }

  // kubeconfig for a server nobody listens on + a discovery cache that makes kubectl never ask it.
  void writeDiscoveryCache() {
    spill(fs::path(dir_) / "config",
          "apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: 'https://127.0.0.1:1'}\n  name: none\n"
          "contexts:\n- context: {cluster: none, user: none}\n  name: none\ncurrent-context: none\n"
          "users:\n- name: none\n  user: {token: unused}\n");
    std::map<std::string, std::map<std::string, json>> byGv;  // groupVersion → resource → APIResource
    for (const auto& o : objects_) {
      const std::string gv = o["apiVersion"], kind = o["kind"];
      const std::string res = kube::resourceForKind(kind);
      byGv[gv][res] = {{"name", res}, {"singularName", ""}, {"namespaced", !kube::isClusterScoped(kind)},
                       {"kind", kind}, {"verbs", {"create", "get", "list", "update", "patch", "delete"}}};
    }
    const fs::path cache = fs::path(dir_) / "cache" / "discovery" / "127.0.0.1_1";
    std::map<std::string, std::vector<std::string>> groups;  // group → versions
    for (const auto& [gv, resources] : byGv) {
      const auto slash = gv.find('/');
      groups[slash == std::string::npos ? "" : gv.substr(0, slash)].push_back(gv);
      json list = {{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", gv}, {"resources", json::array()}};
      for (const auto& [_, r] : resources) list["resources"].push_back(r);
      fs::create_directories(cache / gv);
      spill(cache / gv / "serverresources.json", list.dump());
    }
    json gl = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array()}};
    for (const auto& [g, gvs] : groups) {
      json versions = json::array();
      for (const auto& gv : gvs) versions.push_back({{"groupVersion", gv}, {"version", gv.substr(gv.find('/') + 1)}});
      gl["groups"].push_back({{"name", g}, {"versions", versions}, {"preferredVersion", versions[0]}});
    }
    spill(cache / "servergroups.json", gl.dump());
  }

  std::string kubectl() const {
    return "kubectl --kubeconfig " + shq(dir_ + "/config") + " --cache-dir " + shq(dir_ + "/cache") + " ";
  }
  std::string write(size_t i) const {
    const std::string f = dir_ + "/obj-" + std::to_string(i) + ".json";
    spill(f, objects_[i].dump(2));
    return f;
  }

  std::string dir_;
  std::vector<json> objects_;
};

TEST_F(AddonsKubectl, KubectlCreateDryRunAcceptsEveryObject) {
  ASSERT_GE(objects_.size(), 30u);
  for (size_t i = 0; i < objects_.size(); ++i) {
    const std::string what = kube::describeObject(objects_[i]);
    const std::string out = dir_ + "/out-" + std::to_string(i) + ".json";
    auto r = run(kubectl() + "create --dry-run=client --validate=false -o json -f " + shq(write(i)) + " > " + shq(out));
    ASSERT_EQ(r.exitCode, 0) << what << ": " << r.out;
    json echoed = json::parse(slurp(out), nullptr, false);
    ASSERT_FALSE(echoed.is_discarded()) << what;
    EXPECT_EQ(echoed, objects_[i]) << what << " changed on its way through kubectl";
  }
}

TEST_F(AddonsKubectl, TypedRoundTripKeepsEveryField) {
  int checked = 0;
  for (size_t i = 0; i < objects_.size(); ++i) {
    const json& o = objects_[i];
    const std::string kind = o["kind"], what = kube::describeObject(o);
    const std::string out = dir_ + "/typed-" + std::to_string(i) + ".json";
    json expected = o;
    std::string cmd;
    if (kind == "Deployment" || kind == "DaemonSet") {
      const std::string container = o["spec"]["template"]["spec"]["containers"][0]["name"];
      cmd = "set image --local -o json -f " + shq(write(i)) + " " + container + "=kforge.invalid/check:1";
      expected["spec"]["template"]["spec"]["containers"][0]["image"] = "kforge.invalid/check:1";
    } else if (kind == "ClusterRoleBinding" || kind == "RoleBinding") {
      cmd = "set subject --local -o json -f " + shq(write(i)) + " --group=kforge:check";
      expected["subjects"].push_back({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", "kforge:check"}});
    } else {
      continue;
    }
    auto r = run(kubectl() + cmd + " > " + shq(out));
    ASSERT_EQ(r.exitCode, 0) << what << ": " << r.out;
    json typed = json::parse(slurp(out), nullptr, false);
    ASSERT_FALSE(typed.is_discarded()) << what;
    EXPECT_TRUE(kube::isSubset(expected, typed)) << what << ": a field did not survive kubectl's typed decoding\n"
                                                 << "kforge: " << expected.dump() << "\nkubectl: " << typed.dump();
    ++checked;
  }
  EXPECT_EQ(checked, 2 + 11);  // coredns, kube-proxy; 11 bindings
}

TEST_F(AddonsKubectl, EmbeddedKubeconfigsLoad) {
  for (const auto& o : objects_) {
    if (o["kind"] != "ConfigMap") continue;
    std::string key;
    if (o["metadata"]["name"] == "cluster-info") key = "kubeconfig";
    if (o["metadata"]["name"] == "kube-proxy") key = "kubeconfig.conf";
    if (key.empty()) continue;
    const std::string f = dir_ + "/embedded-" + o["metadata"]["name"].get<std::string>();
    spill(f, o["data"][key].get<std::string>());
    auto r = run("kubectl config view --kubeconfig " + shq(f) + " -o jsonpath='{.clusters[0].cluster.server}'");
    EXPECT_EQ(r.exitCode, 0) << r.out;
    EXPECT_EQ(r.out, "https://10.0.0.10:6443") << o["metadata"]["name"];
  }
}

}  // namespace

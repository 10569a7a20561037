// kube/: object → REST path, metav1 Status → error message, and the pure apply / taint merge logic.
#include <gtest/gtest.h>

#include "kube/client.hpp"
#include "kube/merge.hpp"
#include "kube/paths.hpp"
#include "kube/status.hpp"

using namespace kforge;
using namespace kforge::kube;
using nlohmann::json;

namespace {

json obj(const std::string& apiVersion, const std::string& kind, const std::string& ns, const std::string& name) {
  json j = {{"apiVersion", apiVersion}, {"kind", kind}, {"metadata", {{"name", name}}}};
  if (!ns.empty()) j["metadata"]["namespace"] = ns;
  return j;
}

TEST(KubePaths, ResourceNames) {
  EXPECT_EQ(resourceForKind("ConfigMap"), "configmaps");
  EXPECT_EQ(resourceForKind("Endpoints"), "endpoints");
  EXPECT_EQ(resourceForKind("Ingress"), "ingresses");
  EXPECT_EQ(resourceForKind("NetworkPolicy"), "networkpolicies");
  EXPECT_EQ(resourceForKind("PriorityClass"), "priorityclasses");
  EXPECT_EQ(resourceForKind("Gateway"), "gateways");
  EXPECT_EQ(resourceForKind("DaemonSet"), "daemonsets");
  EXPECT_EQ(resourceForKind("ServiceAccount"), "serviceaccounts");
}

TEST(KubePaths, ObjectPaths) {
  EXPECT_EQ(objectPath(obj("v1", "ConfigMap", "kube-system", "coredns")), "/api/v1/namespaces/kube-system/configmaps/coredns");
  EXPECT_EQ(objectPath(obj("apps/v1", "Deployment", "kube-system", "coredns")),
            "/apis/apps/v1/namespaces/kube-system/deployments/coredns");
  EXPECT_EQ(objectPath(obj("apps/v1", "DaemonSet", "kube-system", "kube-proxy")),
            "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy");
  EXPECT_EQ(objectPath(obj("rbac.authorization.k8s.io/v1", "ClusterRole", "", "system:coredns")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:coredns");
  EXPECT_EQ(objectPath(obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", "kubeadm:get-nodes")),
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:get-nodes");
  EXPECT_EQ(objectPath(obj("rbac.authorization.k8s.io/v1", "Role", "kube-public", "r")),
            "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles/r");
  EXPECT_EQ(objectPath(obj("v1", "Namespace", "", "kube-public")), "/api/v1/namespaces/kube-public");
  EXPECT_EQ(objectPath(obj("v1", "Node", "", "cp1")), "/api/v1/nodes/cp1");
  EXPECT_EQ(objectPath(obj("scheduling.k8s.io/v1", "PriorityClass", "", "p")),
            "/apis/scheduling.k8s.io/v1/priorityclasses/p");
  // Cluster-scoped kinds ignore a namespace; namespaced kinds default to "default".
  EXPECT_EQ(objectPath(obj("v1", "Node", "kube-system", "cp1")), "/api/v1/nodes/cp1");
  EXPECT_EQ(objectPath(obj("v1", "Secret", "", "s")), "/api/v1/namespaces/default/secrets/s");
  EXPECT_EQ(collectionPath(obj("v1", "Service", "kube-system", "kube-dns")), "/api/v1/namespaces/kube-system/services");
  EXPECT_EQ(describeObject(obj("v1", "Service", "kube-system", "kube-dns")), "Service kube-system/kube-dns");
  EXPECT_EQ(describeObject(obj("v1", "Namespace", "", "x")), "Namespace x");
}

TEST(KubePaths, MissingFieldsAreErrors) {
  EXPECT_THROW(objectPath(json{{"kind", "ConfigMap"}, {"metadata", {{"name", "x"}}}}), Error);
  EXPECT_THROW(objectPath(json{{"apiVersion", "v1"}, {"metadata", {{"name", "x"}}}}), Error);
  EXPECT_THROW(objectPath(json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}}), Error);
}

TEST(KubeStatus, ParsesMetav1Status) {
  const std::string body =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes \"x\" not found",)"
      R"("reason":"NotFound","details":{"name":"x","kind":"nodes"},"code":404})";
  ApiStatus s = parseStatus(404, body);
  EXPECT_EQ(s.code, 404);
  EXPECT_EQ(s.reason, "NotFound");
  EXPECT_EQ(s.message, "nodes \"x\" not found");
  ApiError e("https://127.0.1.10:6443", "GET", "/api/v1/nodes/x", s);
  EXPECT_EQ(std::string(e.what()),
            "kube-apiserver https://127.0.1.10:6443: GET /api/v1/nodes/x: 404 NotFound: nodes \"x\" not found");
  EXPECT_TRUE(e.notFound());
  EXPECT_EQ(e.httpStatus(), 404);
}

TEST(KubeStatus, ConflictAndTooManyRequests) {
  ApiStatus c = parseStatus(409, R"({"kind":"Status","reason":"AlreadyExists","message":"configmaps \"x\" already exists","code":409})");
  ApiError ce("s", "POST", "/p", c);
  EXPECT_TRUE(ce.conflict());
  EXPECT_TRUE(ce.alreadyExists());
  ApiStatus t = parseStatus(429, R"({"kind":"Status","reason":"TooManyRequests","message":"Cannot evict pod as it would violate the pod's disruption budget.","code":429})");
  EXPECT_EQ(formatStatus(t), "429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget.");
}

TEST(KubeStatus, NonStatusBodies) {
  EXPECT_EQ(formatStatus(parseStatus(502, "<html>bad gateway</html>\nmore")), "502 BadGateway: <html>bad gateway</html>");
  EXPECT_EQ(formatStatus(parseStatus(403, "")), "403 Forbidden");
  EXPECT_EQ(formatStatus(parseStatus(418, "{\"kind\":\"Pod\"}")), "418 Unknown: {\"kind\":\"Pod\"}");
}

TEST(KubeMerge, UpdateKeepsServerOwnedFields) {
  json desired = {{"apiVersion", "v1"},
                  {"kind", "Service"},
                  {"metadata", {{"name", "kube-dns"}, {"namespace", "kube-system"}, {"labels", {{"k8s-app", "kube-dns"}}}}},
                  {"spec", {{"clusterIP", "10.96.0.10"}, {"ports", {{{"name", "dns"}, {"port", 53}}}}}}};
  json live = desired;
  live["metadata"]["resourceVersion"] = "42";
  live["metadata"]["uid"] = "u-1";
  live["metadata"]["labels"]["extra"] = "kept";
  live["metadata"]["labels"]["k8s-app"] = "old";
  live["metadata"]["annotations"] = {{"a", "b"}};
  live["metadata"]["finalizers"] = {"f"};
  live["spec"]["clusterIPs"] = {"10.96.0.10"};
  live["spec"]["ipFamilies"] = {"IPv4"};
  live["spec"]["ports"][0]["nodePort"] = 30053;
  live["status"] = {{"loadBalancer", json::object()}};
  json put = mergeForUpdate(desired, live);
  EXPECT_EQ(put["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(put["metadata"]["labels"], (json{{"extra", "kept"}, {"k8s-app", "kube-dns"}}));
  EXPECT_EQ(put["metadata"]["annotations"], (json{{"a", "b"}}));
  EXPECT_EQ(put["metadata"]["finalizers"], json::array({"f"}));
  EXPECT_FALSE(put["metadata"].contains("uid"));
  EXPECT_EQ(put["spec"]["clusterIPs"], json::array({"10.96.0.10"}));
  EXPECT_EQ(put["spec"]["ipFamilies"], json::array({"IPv4"}));
  EXPECT_EQ(put["spec"]["ports"][0]["nodePort"], 30053);
  EXPECT_EQ(put["status"], live["status"]);
}

TEST(KubeMerge, SecretDataKeptWhenWeDoNotSetIt) {
  json desired = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "coredns"}}}};
  json live = desired;
  live["metadata"]["resourceVersion"] = "7";
  live["secrets"] = {{{"name", "coredns-token-abc"}}};
  EXPECT_EQ(mergeForUpdate(desired, live)["secrets"], live["secrets"]);
  json secret = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "s"}}}, {"type", "Opaque"}};
  json liveSecret = secret;
  liveSecret["data"] = {{"k", "dg=="}};
  EXPECT_EQ(mergeForUpdate(secret, liveSecret)["data"], liveSecret["data"]);
  secret["data"] = {{"k", "eA=="}};
  EXPECT_EQ(mergeForUpdate(secret, liveSecret)["data"], secret["data"]);
}

TEST(KubeMerge, AlreadyAppliedIgnoresServerDefaults) {
  json desired = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"coredns","labels":{"k8s-app":"kube-dns"}},
    "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c","image":"i:1"}]}}}})");
  json live = desired;
  live["metadata"]["resourceVersion"] = "9";
  live["metadata"]["generation"] = 3;
  live["spec"]["revisionHistoryLimit"] = 10;
  live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log";
  live["status"] = {{"replicas", 2}};
  EXPECT_TRUE(alreadyApplied(desired, live));
  live["spec"]["template"]["spec"]["containers"][0]["image"] = "i:2";
  EXPECT_FALSE(alreadyApplied(desired, live));
  live["spec"]["template"]["spec"]["containers"][0]["image"] = "i:1";
  live["metadata"]["labels"]["k8s-app"] = "x";
  EXPECT_FALSE(alreadyApplied(desired, live));
  // An empty map we set equals a field the server leaves out.
  EXPECT_TRUE(isSubset(json{{"a", json::object()}, {"b", nullptr}}, json::object()));
  EXPECT_FALSE(isSubset(json{{"a", {1, 2}}}, json{{"a", {1, 2, 3}}}));
  // Zero values the apiserver does not store (readOnly: false) are not a difference; non-zero ones are.
  EXPECT_TRUE(isSubset(json{{"readOnly", false}, {"n", 0}, {"s", ""}}, json::object()));
  EXPECT_FALSE(isSubset(json{{"readOnly", true}}, json::object()));
}

TEST(KubeMerge, TaintsMergeByKeyAndEffect) {
  json existing = json::array({{{"key", "node.kubernetes.io/not-ready"}, {"effect", "NoSchedule"}},
                               {{"key", "dedicated"}, {"value", "db"}, {"effect", "NoSchedule"}}});
  bool changed = false;
  // Same key, other effect → added; same key+effect, new value → updated; existing order kept.
  json out = mergeTaints(existing,
                         {{"dedicated", "infra", "NoSchedule"}, {"dedicated", "infra", "NoExecute"},
                          {"node-role.kubernetes.io/control-plane", "", "NoSchedule"}},
                         &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(out, json::parse(R"([
    {"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"},
    {"key":"dedicated","value":"infra","effect":"NoSchedule"},
    {"key":"dedicated","value":"infra","effect":"NoExecute"},
    {"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}])"));
  // Idempotent.
  json again = mergeTaints(out, {{"dedicated", "infra", "NoSchedule"}, {"node-role.kubernetes.io/control-plane", "", "NoSchedule"}},
                           &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(again, out);
  // From nothing.
  EXPECT_EQ(mergeTaints(json(), {{"a", "", "NoExecute"}}, &changed), json::parse(R"([{"key":"a","effect":"NoExecute"}])"));
  EXPECT_TRUE(changed);
}

TEST(KubeMerge, RemoveTaints) {
  json existing = json::parse(R"([{"key":"a","effect":"NoSchedule"},{"key":"a","effect":"NoExecute"},{"key":"b","effect":"NoSchedule"}])");
  bool changed = false;
  EXPECT_EQ(removeTaints(existing, "a", "NoExecute", &changed),
            json::parse(R"([{"key":"a","effect":"NoSchedule"},{"key":"b","effect":"NoSchedule"}])"));
  EXPECT_TRUE(changed);
  EXPECT_EQ(removeTaints(existing, "a", "", &changed), json::parse(R"([{"key":"b","effect":"NoSchedule"}])"));
  removeTaints(existing, "zzz", "", &changed);
  EXPECT_FALSE(changed);
}

TEST(KubeClient, UrlEncodeAndConstruction) {
  EXPECT_EQ(urlEncode("spec.nodeName=cp1,a!=b"), "spec.nodeName%3Dcp1%2Ca%21%3Db");
  EXPECT_THROW(KubeClient(Credentials{}), Error);
  Credentials c;
  c.server = "https://127.0.0.1:6443/";
  KubeClient k(c);
  EXPECT_EQ(k.server(), "https://127.0.0.1:6443");
}

TEST(KubeClient, TransportErrorsNameServerAndRequest) {
  // Nothing listens on port 1 of the loopback: connection refused, reported as Unreachable.
  Credentials c;
  c.server = "https://127.0.0.1:1";
  ClientOptions o;
  o.connectTimeoutMs = 2000;
  KubeClient k(c, o);
  try {
    k.get("/version");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("kube-apiserver https://127.0.0.1:1: GET /version: ", 0), 0u) << e.what();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
  }
  ReadyzResult r = k.readyz(true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.text.find("GET /readyz?verbose"), std::string::npos);
}

}  // namespace

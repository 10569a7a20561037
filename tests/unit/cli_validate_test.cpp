// `kforge validate` as a user runs it: the real binary, exit codes, text and JSON output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace {

struct CliRun {
  int exitCode;
  std::string out;  // stdout and stderr
};

CliRun run(const std::string& args) {
  std::string cmd = std::string(KFORGE_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const std::string kSrc = KFORGE_SOURCE_DIR;

}  // namespace

TEST(CliValidate, GoodInventoryText) {
  CliRun r = run("validate -f " + kSrc + "/inventories/ha-stacked.yaml");
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_EQ(r.out,
            "inventory OK: cluster prod-eu1, Kubernetes v1.31.2, 3 control-plane, 0 etcd, 2 worker hosts (stacked "
            "etcd)\n");
}

TEST(CliValidate, GoodInventoryJson) {
  CliRun r = run("-o json validate -f " + kSrc + "/inventories/external-etcd.yaml");
  ASSERT_EQ(r.exitCode, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["cluster"], "prod-us1");
  EXPECT_TRUE(j["warnings"].is_array());
  ASSERT_EQ(j["hosts"].size(), 7u);
  EXPECT_EQ(j["hosts"][0]["name"], "etcd1");
  EXPECT_EQ(j["hosts"][0]["role"], "etcd");
  EXPECT_EQ(j["hosts"][0]["pool"], "etcd");
  EXPECT_EQ(j["hosts"][0]["address"], "10.0.1.31");
}

TEST(CliValidate, BadInventoryExits3) {
  std::string bad = kSrc + "/tests/fixtures/bad-inventories/17-overlapping-subnets.yaml";
  CliRun r = run("validate -f " + bad);
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out, "error: " + bad +
                       ":8:27: spec.networking.podSubnet \"10.96.0.0/16\" overlaps spec.networking.serviceSubnet "
                       "\"10.96.0.0/12\"; choose disjoint ranges\n");

  CliRun j = run("-o json validate -f " + bad);
  EXPECT_EQ(j.exitCode, 3);
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["valid"], false);
  EXPECT_NE(doc["error"].get<std::string>().find(":8:27: spec.networking.podSubnet"), std::string::npos);
}

TEST(CliValidate, WarningsPrinted) {
  std::string path = ::testing::TempDir() + "/kforge-two-cp.yaml";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_TRUE(f);
  fputs("apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: two}\nspec:\n"
        "  kubernetesVersion: v1.30.0\n  controlPlaneEndpoint: 10.0.0.10\n  nodePools:\n"
        "    - {name: cp, role: control-plane, hosts: [{name: a, address: 10.0.0.1}, {name: b, address: 10.0.0.2}]}\n",
        f);
  fclose(f);
  CliRun r = run("validate -f " + path);
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_EQ(r.out, "warning: " + path +
                       ":8:7: an even number of etcd members (2) tolerates no more failures than 1; use 3 or 5\n"
                       "inventory OK: cluster two, Kubernetes v1.30.0, 2 control-plane, 0 etcd, 0 worker hosts "
                       "(stacked etcd)\n");
}

TEST(CliValidate, MissingOptionIsUsageError) {
  EXPECT_EQ(run("validate").exitCode, 2);
  EXPECT_EQ(run("validate -f /nonexistent/inv.yaml").exitCode, 3);
}

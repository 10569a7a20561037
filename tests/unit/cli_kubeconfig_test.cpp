// kforge kubeconfig: the admin kubeconfig printed as text, or with -o json as {"cluster","path","kubeconfig"};
// with --out written 0600 and, in JSON, described without its content (the file holds the admin client key).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "tests/unit/cli_run.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using kforge::testing::runKforge;

namespace {

class CliKubeconfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = kforge::testing::freshDir("kforge-clikc");
    inv = dir + "/inv.yaml";
    writeFileAtomic(inv,
                    "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: kc}\nspec:\n"
                    "  kubernetesVersion: v1.31.2\n  nodePools:\n"
                    "    - {name: cp, role: control-plane, hosts: [{name: a, address: 10.0.0.1}]}\n",
                    0600);
    ::mkdir((dir + "/.kforge").c_str(), 0700);
    ::mkdir((dir + "/.kforge/kc").c_str(), 0700);
    admin = dir + "/.kforge/kc/admin.conf";
    writeFileAtomic(admin, text, 0600);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string dir, inv, admin;
  const std::string text =
      "apiVersion: v1\nkind: Config\nusers:\n- name: kubernetes-admin\n  user:\n    client-key-data: c2VjcmV0\n";
};

}  // namespace

TEST_F(CliKubeconfig, TextPrintsTheFile) {
  auto r = runKforge("kubeconfig -f " + inv);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, text);
}

TEST_F(CliKubeconfig, JsonPrintsOneObjectWithTheFileAsAString) {
  auto r = runKforge("kubeconfig -f " + inv + " -o json");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);  // throws (fails the test) on the raw YAML printed today
  EXPECT_EQ(j["cluster"], "kc");
  EXPECT_EQ(j["path"], admin);
  EXPECT_EQ(j["kubeconfig"], text);
  EXPECT_EQ(r.err, "");
}

TEST_F(CliKubeconfig, JsonWithOutDescribesTheFileWithoutItsContent) {
  const std::string out = dir + "/admin-copy.conf";
  auto r = runKforge("-o json kubeconfig -f " + inv + " --out " + out);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["path"], out);
  EXPECT_EQ(j["source"], admin);
  EXPECT_EQ(j["mode"], "0600");
  EXPECT_FALSE(j.contains("kubeconfig"));
  EXPECT_EQ(r.out.find("c2VjcmV0"), std::string::npos) << "the client key reached the terminal";
  EXPECT_EQ(readFile(out), text);
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Text mode with --out: a note on stderr, nothing on stdout.
  auto t = runKforge("kubeconfig -f " + inv + " --out " + out);
  EXPECT_EQ(t.exitCode, 0) << t.err;
  EXPECT_EQ(t.out, "");
  EXPECT_EQ(t.err, "wrote " + out + " (0600)\n");
}

// kube/kubeconfig: current context → cluster + user, inline data vs files, and the errors for what is missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "kube/kubeconfig.hpp"

using namespace kforge;
using namespace kforge::kube;
namespace fs = std::filesystem;

namespace {

const std::string kCa = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const std::string kCert = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
const std::string kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

std::string inlineConfig() {
  return "apiVersion: v1\nkind: Config\n"
         "clusters:\n"
         "- name: other\n  cluster:\n    server: https://127.9.9.9:6443\n"
         "- name: kubernetes\n  cluster:\n    server: https://127.0.1.10:6443/\n"
         "    certificate-authority-data: " + base64Encode(kCa) + "\n"
         "contexts:\n"
         "- name: kubernetes-admin@kubernetes\n  context:\n    cluster: kubernetes\n    user: kubernetes-admin\n"
         "- name: tok\n  context:\n    cluster: other\n    user: tok\n"
         "current-context: kubernetes-admin@kubernetes\n"
         "users:\n"
         "- name: kubernetes-admin\n  user:\n"
         "    client-certificate-data: " + base64Encode(kCert) + "\n"
         "    client-key-data: " + base64Encode(kKey) + "\n"
         "- name: tok\n  user:\n    token: abcdef.0123456789abcdef\n";
}

std::string errorOf(const std::string& yaml, const std::string& context = "", const std::string& dir = ".") {
  try {
    parseKubeconfig(yaml, "/etc/kubernetes/admin.conf", context, dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(KubeKubeconfig, CurrentContextWithInlineData) {
  Credentials c = parseKubeconfig(inlineConfig(), "admin.conf");
  EXPECT_EQ(c.server, "https://127.0.1.10:6443");  // trailing slash dropped
  EXPECT_EQ(c.caPem, kCa);
  EXPECT_EQ(c.certPem, kCert);
  EXPECT_EQ(c.keyPem, kKey);
  EXPECT_TRUE(c.token.empty());
  EXPECT_FALSE(c.insecureSkipTlsVerify);
  EXPECT_EQ(c.source, "kubeconfig admin.conf");
}

TEST(KubeKubeconfig, NamedContextWithToken) {
  Credentials c = parseKubeconfig(inlineConfig(), "admin.conf", "tok");
  EXPECT_EQ(c.server, "https://127.9.9.9:6443");
  EXPECT_TRUE(c.caPem.empty());
  EXPECT_TRUE(c.certPem.empty());
  EXPECT_EQ(c.token, "abcdef.0123456789abcdef");
}

TEST(KubeKubeconfig, FilesRelativeToTheKubeconfigDirectory) {
  fs::path dir = fs::temp_directory_path() / ("kforge-kubeconfig-" + std::to_string(::getpid()));
  fs::create_directories(dir / "pki");
  std::ofstream(dir / "pki" / "ca.crt") << kCa;
  std::ofstream(dir / "pki" / "admin.crt") << kCert;
  std::ofstream(dir / "admin.key") << kKey;
  std::ofstream(dir / "token") << "s3cr3t\n";
  std::string yaml =
      "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
      "    certificate-authority: pki/ca.crt\n    tls-server-name: kubernetes\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
      "- name: t\n  context: {cluster: c, user: t}\n"
      "current-context: x\n"
      "users:\n- name: u\n  user:\n    client-certificate: pki/admin.crt\n    client-key: " +
      (dir / "admin.key").string() + "\n- name: t\n  user:\n    tokenFile: token\n";
  std::ofstream(dir / "config") << yaml;
  Credentials c = loadKubeconfig((dir / "config").string());
  EXPECT_EQ(c.caPem, kCa);
  EXPECT_EQ(c.certPem, kCert);
  EXPECT_EQ(c.keyPem, kKey);
  EXPECT_EQ(c.tlsServerName, "kubernetes");
  Credentials t = loadKubeconfig((dir / "config").string(), "t");
  EXPECT_EQ(t.token, "s3cr3t");  // trailing newline stripped
  fs::remove_all(dir);
}

TEST(KubeKubeconfig, MissingFileNamesThePath) {
  try {
    loadKubeconfig("/nonexistent/kforge/admin.conf");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "kubeconfig /nonexistent/kforge/admin.conf: no such file");
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
  }
}

TEST(KubeKubeconfig, ErrorsNameTheFileAndTheField) {
  const std::string base = "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
                           "contexts:\n- name: x\n  context: {cluster: c, user: u}\n";
  EXPECT_EQ(errorOf(base + "users:\n- name: u\n  user: {}\n"),
            "kubeconfig /etc/kubernetes/admin.conf: no current-context set (and no context given)");
  EXPECT_EQ(errorOf(base + "current-context: y\n"),
            "kubeconfig /etc/kubernetes/admin.conf: context \"y\" not found in contexts");
  EXPECT_EQ(errorOf(base + "current-context: x\n"),
            "kubeconfig /etc/kubernetes/admin.conf: user \"u\" not found in users");
  EXPECT_EQ(errorOf("clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: c}\n"
                    "current-context: x\n"),
            "kubeconfig /etc/kubernetes/admin.conf: cluster \"c\": no server");
  EXPECT_EQ(errorOf("contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n"),
            "kubeconfig /etc/kubernetes/admin.conf: cluster \"c\" not found in clusters");
  EXPECT_EQ(errorOf(base + "current-context: x\nusers:\n- name: u\n  user:\n    client-certificate-data: " +
                    base64Encode(kCert) + "\n"),
            "kubeconfig /etc/kubernetes/admin.conf: user \"u\": client-certificate without client-key");
  EXPECT_EQ(errorOf(base + "current-context: x\nusers:\n- name: u\n  user:\n    client-key-data: '%%%'\n"),
            "kubeconfig /etc/kubernetes/admin.conf: user \"u\": client-key-data is not valid base64");
  EXPECT_EQ(errorOf(base + "current-context: x\nusers:\n- name: u\n  user:\n    client-certificate: nope.crt\n", "",
                    "/nonexistent"),
            "kubeconfig /etc/kubernetes/admin.conf: user \"u\": client-certificate file /nonexistent/nope.crt does "
            "not exist");
  EXPECT_EQ(errorOf("- a\n"),
            "kubeconfig /etc/kubernetes/admin.conf: expected a mapping (apiVersion: v1, kind: Config)");
  EXPECT_NE(errorOf("a: [\n").find("kubeconfig /etc/kubernetes/admin.conf: not valid YAML"), std::string::npos);
}

TEST(KubeKubeconfig, ReadsWhatKforgeWritesForAdmin) {
  // The shape pki::renderKubeconfig writes (kubeadm's admin.conf): one cluster, user and context.
  std::string yaml = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: " + base64Encode(kCa) +
                     "\n    server: https://10.0.0.10:6443\n  name: kubernetes\ncontexts:\n- context:\n"
                     "    cluster: kubernetes\n    user: kubernetes-admin\n  name: kubernetes-admin@kubernetes\n"
                     "current-context: kubernetes-admin@kubernetes\nkind: Config\npreferences: {}\nusers:\n"
                     "- name: kubernetes-admin\n  user:\n    client-certificate-data: " +
                     base64Encode(kCert) + "\n    client-key-data: " + base64Encode(kKey) + "\n";
  Credentials c = parseKubeconfig(yaml, "admin.conf");
  EXPECT_EQ(c.server, "https://10.0.0.10:6443");
  EXPECT_EQ(c.certPem, kCert);
}

}  // namespace

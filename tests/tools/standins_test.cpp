// The testbed stand-ins (tests/testbed/standins) must refuse what the real programs refuse.
#include <gtest/gtest.h>

#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;

namespace {

std::string standin(const std::string& name) { return sourceDir() + "/tests/testbed/standins/" + name; }

TEST(Standins, ApiServerRefusesUnknownFlagsAndMissingOrMismatchedFiles) {
  auto unknown = run(standin("kube-apiserver") + " --no-such-flag=1");
  EXPECT_NE(unknown.exitCode, 0);
  EXPECT_NE(unknown.out.find("unknown flag: --no-such-flag"), std::string::npos) << unknown.out;

  std::string dir = makeTempDir("kforge-standin");
  auto missing = run(standin("kube-apiserver") + " --advertise-address=127.0.0.1 --etcd-servers=https://127.0.0.1:2379" +
                     " --client-ca-file=" + dir + "/ca.crt --tls-cert-file=" + dir + "/apiserver.crt" +
                     " --tls-private-key-file=" + dir + "/apiserver.key");
  EXPECT_NE(missing.exitCode, 0);
  EXPECT_NE(missing.out.find(dir + "/apiserver.crt: no such file"), std::string::npos) << missing.out;

  // A certificate with another certificate's key.
  run("cd " + shq(dir) + " && for n in a b; do openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout $n.key -out $n.crt -days 1 -subj /CN=$n 2>/dev/null; done");
  auto mismatch = run(standin("kube-apiserver") + " --advertise-address=127.0.0.1 --etcd-servers=https://127.0.0.1:2379" +
                      " --client-ca-file=" + dir + "/a.crt --tls-cert-file=" + dir + "/a.crt --tls-private-key-file=" +
                      dir + "/b.key");
  EXPECT_NE(mismatch.exitCode, 0);
  EXPECT_NE(mismatch.out.find("unable to load --tls-cert-file"), std::string::npos) << mismatch.out;
  run("rm -rf " + shq(dir));
}

TEST(Standins, KubeletRefusesAMissingOrWrongConfig) {
  std::string dir = makeTempDir("kforge-standin");
  auto none = run(standin("kubelet") + " --config=" + dir + "/nope.yaml");
  EXPECT_NE(none.exitCode, 0);
  EXPECT_NE(none.out.find("failed to load kubelet config file"), std::string::npos) << none.out;
  run("printf 'apiVersion: v1\\nkind: Pod\\n' > " + shq(dir + "/wrong.yaml"));
  auto wrong = run(standin("kubelet") + " --config=" + dir + "/wrong.yaml");
  EXPECT_NE(wrong.exitCode, 0);
  EXPECT_NE(wrong.out.find("KubeletConfiguration"), std::string::npos) << wrong.out;
  auto flag = run(standin("kubelet") + " --bogus");
  EXPECT_NE(flag.out.find("unknown flag: --bogus"), std::string::npos) << flag.out;
  EXPECT_EQ(run(standin("kubelet") + " --version").out, "Kubernetes v1.31.2\n");
  run("rm -rf " + shq(dir));
}

TEST(Standins, ControlPlaneComponentsRefuseMissingFiles) {
  auto cm = run(standin("kube-controller-manager") + " --kubeconfig=/nonexistent/controller-manager.conf");
  EXPECT_NE(cm.exitCode, 0);
  EXPECT_NE(cm.out.find("/nonexistent/controller-manager.conf: no such file"), std::string::npos) << cm.out;
  auto key = run(standin("kube-controller-manager") + " --cluster-signing-key-file=/nonexistent/ca.key --kubeconfig=/x");
  EXPECT_NE(key.out.find("--cluster-signing-key-file: open /nonexistent/ca.key"), std::string::npos) << key.out;
}

TEST(Standins, CrictlRefusesMalformedImageReferences) {
  auto bad = run(standin("crictl") + " pull 'Registry.k8s.io/UPPER:tag'");
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.out.find("invalid reference format"), std::string::npos) << bad.out;
}

}  // namespace

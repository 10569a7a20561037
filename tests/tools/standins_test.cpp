// The testbed stand-ins (tests/testbed/standins) must refuse what the real programs refuse.
#include <gtest/gtest.h>

#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;


namespace {

std::string standin(const std::string& name) { return sourceDir() + "/tests/testbed/standins/" + name; }

TEST(Standins, KubeletRefusesAMissingOrWrongConfig) {
  std::string dir = makeTempDir("kforge-standin");
  // The host's "installed kubelet package" (the testbed writes /etc/kforge-testbed/kubelet-version).
  run("echo v1.36.3 > " + shq(dir + "/kubelet-version"));
  const std::string kubelet = "KFORGE_STANDIN_KUBELET_VERSION_FILE=" + shq(dir + "/kubelet-version") + " " + standin("kubelet");
  EXPECT_EQ(run(kubelet + " --version").out, "Kubernetes v1.36.3\n");
  auto none = run(kubelet + " --config=" + dir + "/nope.yaml");
  EXPECT_NE(none.exitCode, 0);
  EXPECT_NE(none.out.find("failed to load kubelet config file"), std::string::npos) << none.out;
  run("printf 'apiVersion: v1\\nkind: Pod\\n' > " + shq(dir + "/wrong.yaml"));
  auto wrong = run(kubelet + " --config=" + dir + "/wrong.yaml");
  EXPECT_NE(wrong.exitCode, 0);
  EXPECT_NE(wrong.out.find("KubeletConfiguration"), std::string::npos) << wrong.out;
  auto flag = run(kubelet + " --bogus");
  EXPECT_NE(flag.out.find("unknown flag: --bogus"), std::string::npos) << flag.out;
  // A CRI endpoint that is no socket stops it, as the real kubelet's CRI validation does.
  run("printf 'apiVersion: kubelet.config.k8s.io/v1beta1\\nkind: KubeletConfiguration\\n"
      "containerRuntimeEndpoint: unix://" + dir + "/no.sock\\n' > " + shq(dir + "/cfg.yaml"));
  auto cri = run(kubelet + " --config=" + dir + "/cfg.yaml");
  EXPECT_NE(cri.exitCode, 0);
  EXPECT_NE(cri.out.find("validate CRI v1 runtime API for endpoint"), std::string::npos) << cri.out;
  // No "installed kubelet package" at all: it refuses to run.
  auto notInstalled = run("KFORGE_STANDIN_KUBELET_VERSION_FILE=" + shq(dir + "/none") + " " + standin("kubelet") + " --version");
  EXPECT_NE(notInstalled.exitCode, 0);
  EXPECT_NE(notInstalled.out.find("kubelet is not installed on this host"), std::string::npos) << notInstalled.out;
  // A "kubelet binary" of one release (testbed kubelet-binary) fixes the version, whatever the package says.
  EXPECT_EQ(run("KFORGE_STANDIN_KUBELET_VERSION=v1.37.2 " + kubelet + " --version").out, "Kubernetes v1.37.2\n");
  auto badVersion = run("KFORGE_STANDIN_KUBELET_VERSION=1.37 " + kubelet + " --version");
  EXPECT_NE(badVersion.exitCode, 0);
  EXPECT_NE(badVersion.out.find("is not a kubelet version"), std::string::npos) << badVersion.out;
  run("rm -rf " + shq(dir));
}

// Runs a snippet of Python against the kubelet stand-in's own functions (the file is loaded as a module).
RunResult kubeletPy(const std::string& env, const std::string& code) {
  return run(env + " python3 -c " +
             shq("import importlib.machinery, importlib.util\n"
                 "l = importlib.machinery.SourceFileLoader('kubelet', '" + standin("kubelet") + "')\n"
                 "s = importlib.util.spec_from_loader('kubelet', l); k = importlib.util.module_from_spec(s); l.exec_module(k)\n" +
                 code));
}

TEST(Standins, KubeletRunsExactlyTheBuiltBinaryOfTheImageTagOrNothing) {
  std::string dir = makeTempDir("kforge-standin-bin");
  run("touch " + shq(dir + "/kube-apiserver-v1.36.3") + " " + shq(dir + "/etcd-v3.6.8") + " && chmod +x " + shq(dir) + "/*");
  std::string env = "KFORGE_UPSTREAM_BIN=" + shq(dir);
  auto ok = kubeletPy(env, "print(k.binary_for('registry.k8s.io/kube-apiserver:v1.36.3')[0]);"
                           "print(k.binary_for('registry.k8s.io/etcd:3.6.8-0')[0])");
  EXPECT_EQ(ok.out, dir + "/kube-apiserver-v1.36.3\n" + dir + "/etcd-v3.6.8\n");
  // Another patch, another etcd: an error naming the missing binary, never a fallback to what is there.
  auto missing = kubeletPy(env, "p, e = k.binary_for('registry.k8s.io/kube-apiserver:v1.36.2'); print(p); print(e)");
  EXPECT_NE(missing.out.find("None\nErrImagePull"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find(dir + "/kube-apiserver-v1.36.2 is missing"), std::string::npos) << missing.out;
  auto etcd35 = kubeletPy(env, "print(k.binary_for('registry.k8s.io/etcd:3.5.24-0')[0])");
  EXPECT_EQ(etcd35.out, "None\n");
  auto coredns = kubeletPy(env, "print(k.binary_for('registry.k8s.io/coredns/coredns:v1.12.0')[1])");
  EXPECT_NE(coredns.out.find("no upstream program"), std::string::npos) << coredns.out;
  run("rm -rf " + shq(dir));
}

TEST(Standins, KubeletRewritesOnlyLoopbackAndTheApiServerBindAddress) {
  auto etcd = kubeletPy("", "print(k.rewrite_args('etcd', ['--listen-client-urls=https://127.0.0.1:2379,https://127.0.9.11:2379',"
                            "'--name=tb1', '--listen-metrics-urls=http://127.0.0.1:2381'], '127.0.9.11'))");
  EXPECT_EQ(etcd.out, "['--listen-client-urls=https://127.0.9.11:2379', '--name=tb1', "
                      "'--listen-metrics-urls=http://127.0.9.11:2381']\n");
  auto api = kubeletPy("", "print(k.rewrite_args('kube-apiserver', ['--etcd-servers=https://127.0.0.1:2379', '--secure-port=6443'], '127.0.9.11'))");
  EXPECT_EQ(api.out, "['--etcd-servers=https://127.0.9.11:2379', '--secure-port=6443', '--bind-address=127.0.9.11', "
                     "'--endpoint-reconciler-type=none']\n");
  auto kept = kubeletPy("", "print(k.rewrite_args('kube-apiserver', ['--bind-address=127.0.9.11', "
                            "'--endpoint-reconciler-type=lease'], '127.0.9.11'))");
  EXPECT_EQ(kept.out, "['--bind-address=127.0.9.11', '--endpoint-reconciler-type=lease']\n");
}

TEST(Standins, CrictlRefusesMalformedImageReferences) {
  auto bad = run(standin("crictl") + " pull 'Registry.k8s.io/UPPER:tag'");
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.out.find("invalid reference format"), std::string::npos) << bad.out;
}

}  // namespace

// The real kubelet reads every non-hidden regular file of the static pod directory, whatever its extension
// (pkg/kubelet/config/file.go: filepath.Glob(dir + "/[^.]*")). The stand-in used to read only *.yaml/*.yml/
// *.json, which hid that kforge's upload temp files (<name>.kforge-tmp, now hidden) were static pods too.
TEST(Standins, KubeletReadsEveryNonHiddenManifestFileLikeTheRealOne) {
  std::string dir = makeTempDir("kforge-standin-manifests");
  run("cd " + shq(dir) + " && touch kube-apiserver.yaml etcd.conf kube-scheduler.yaml.kforge-tmp .hidden.yaml "
      ".kube-controller-manager.yaml.kforge-tmp && mkdir sub.yaml");
  auto r = kubeletPy("", "print([p.rsplit('/', 1)[1] for p in k.manifest_files('" + dir + "')])");
  EXPECT_EQ(r.out, "['etcd.conf', 'kube-apiserver.yaml', 'kube-scheduler.yaml.kforge-tmp']\n");
  run("rm -rf " + shq(dir));
}

// The kubelet "package" installs exactly the releases the testbed's repository (upstream cache) holds.
TEST(Standins, KubeletPackageInstallsOnlyReleasesTheRepositoryHas) {
  std::string dir = makeTempDir("kforge-standin-pkg");
  run("touch " + shq(dir + "/kube-apiserver-v1.37.2") + " && chmod +x " + shq(dir + "/kube-apiserver-v1.37.2") +
      " && echo v1.36.3 > " + shq(dir + "/kubelet-version"));
  const std::string pkg = "KFORGE_UPSTREAM_BIN=" + shq(dir) + " KFORGE_STANDIN_KUBELET_VERSION_FILE=" +
                          shq(dir + "/kubelet-version") + " " + standin("kubelet-package");
  auto missing = run(pkg + " install v1.37.9");
  EXPECT_EQ(missing.exitCode, 100);
  EXPECT_NE(missing.out.find("Version 'v1.37.9' for 'kubelet' was not found"), std::string::npos) << missing.out;
  EXPECT_EQ(run("cat " + shq(dir + "/kubelet-version")).out, "v1.36.3\n");
  EXPECT_EQ(run(pkg + " install '1.37.2; rm -rf /'").exitCode, 100);
  auto ok = run(pkg + " install v1.37.2");
  EXPECT_EQ(ok.exitCode, 0) << ok.out;
  EXPECT_EQ(run("cat " + shq(dir + "/kubelet-version")).out, "v1.37.2\n");
  const std::string kubelet = "KFORGE_STANDIN_KUBELET_VERSION_FILE=" + shq(dir + "/kubelet-version") + " " + standin("kubelet");
  EXPECT_EQ(run(kubelet + " --version").out, "Kubernetes v1.37.2\n");
  run("rm -rf " + shq(dir));
}

// A mirror pod whose Ready condition the node lifecycle controller set False (its node stopped reporting for a
// while) gets Ready back from the kubelet, as the real kubelet's status manager does; the stand-in used to
// compare only the container status and left the pod NotReady for ever (found by the upgrade e2e).
TEST(Standins, KubeletPutsBackAReadyConditionSomeoneElseChanged) {
  auto r = kubeletPy("", "class A:\n"
                         "  calls = []\n"
                         "  def call(self, *a): A.calls.append(a); return 200, {}\n"
                         "n = k.NodeAgent(A(), 'tb1', '127.0.9.11', [])\n"
                         "class S: pass\n"
                         "sp = S(); sp.pid = 42; sp.ready = True; sp.started = 1; sp.state = 'running'; sp.error = ''\n"
                         "sp.image = 'registry.k8s.io/etcd:3.7.0-0'; sp.hash = 'h'; sp.restarts = 0\n"
                         "sp.pod = {'spec': {'containers': [{'name': 'etcd'}]}}\n"
                         "cs = [{'ready': True, 'restartCount': 0, 'containerID': 'standin://h-42'}]\n"
                         "live = {'metadata': {'namespace': 'kube-system', 'name': 'etcd-tb1'}, 'status': {'phase': 'Running',"
                         " 'startTime': 'x', 'containerStatuses': cs, 'conditions': [{'type': 'Ready', 'status': 'True'}]}}\n"
                         "n.mirror_status(live, sp); print(len(A.calls))\n"
                         "live['status']['conditions'] = [{'type': 'Ready', 'status': 'False'}]\n"
                         "n.mirror_status(live, sp); print(len(A.calls), A.calls[-1][1] if A.calls else '')\n");
  EXPECT_EQ(r.out, "0\n1 /api/v1/namespaces/kube-system/pods/etcd-tb1/status\n") << r.out;
}

// Helpers for e2e tests that drive the kforge binary on a testbed of their own (dir + loopback /24), and check
// the outcome with the real etcdctl and kubectl. Header-only; each test binary passes its own dir and net.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../pinned_releases.hpp"

namespace kforge::e2e {

using PinnedRelease = pinned::Release;
inline std::vector<PinnedRelease> pinnedReleases() { return pinned::releases(KFORGE_SOURCE_DIR); }
using pinned::upstreamBin;
// The real kubectl and etcdctl of the oldest pinned release: what the testbed runs by default.
inline std::string kubectlBin() { return upstreamBin("kubectl", pinnedReleases().front().kubernetes); }
inline std::string etcdctlBin() { return upstreamBin("etcdctl", pinnedReleases().front().etcd); }

struct Cmd {
  int exitCode = -1;
  std::string out;  // stdout + stderr
};

inline Cmd sh(const std::string& line) {
  Cmd c;
  FILE* p = popen((line + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) c.out.append(buf, n);
  int st = pclose(p);
  c.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return c;
}

// Polls `get` every 500 ms until it returns `want` (events, not the clock: the bound only ends a hang); returns
// the last value seen.
template <typename Get>
std::string pollUntil(Get get, const std::string& want, int seconds) {
  std::string last;
  for (int i = 0; i < seconds * 2; ++i) {
    last = get();
    if (last == want) return last;
    usleep(500 * 1000);
  }
  return last;
}

struct CliTestbed {
  std::string dir, net, cluster = "testbed";
  // The kubectl and etcdctl that check it (a test that upgrades passes the newest release's).
  std::string kubectlPath = kubectlBin(), etcdctlPath = etcdctlBin();

  std::string testbed() const { return std::string(KFORGE_TESTBED) + " --dir " + dir + " --net " + net; }
  std::string inventory() const { return dir + "/inventory.yaml"; }
  std::string state() const { return dir + "/.kforge/" + cluster; }
  std::string addr(int i) const { return net + "." + std::to_string(10 + i); }
  Cmd tb(const std::string& args) const { return sh(testbed() + " " + args); }
  Cmd exec(int host, const std::string& shellScript) const {
    return sh(testbed() + " exec tb" + std::to_string(host) + " sh -c '" + shellScript + "'");
  }
  Cmd kforge(const std::string& args) const { return sh(std::string(KFORGE_BINARY) + " " + args); }
  // etcdctl with the cluster's CA and the first etcd host's healthcheck-client certificate.
  Cmd etcdctl(const std::string& endpoints, const std::string& args, const std::string& certHost = "tb1") const {
    return sh(etcdctlPath + " --endpoints=" + endpoints + " --cacert " + state() + "/pki/etcd/ca.crt --cert " +
              state() + "/hosts/" + certHost + "/pki/etcd/healthcheck-client.crt --key " + state() + "/hosts/" +
              certHost + "/pki/etcd/healthcheck-client.key " + args);
  }
  std::string endpoints(int first, int last) const {
    std::string s;
    for (int i = first; i <= last; ++i) s += (s.empty() ? "" : ",") + ("https://" + addr(i) + ":2379");
    return s;
  }
  Cmd kubectl(const std::string& args) const { return sh(kubectlPath + " --kubeconfig " + state() + "/admin.conf " + args); }
  // Polls a kubectl query until its output equals `want` (pollUntil); returns the last output.
  std::string waitFor(const std::string& kubectlArgs, const std::string& want, int seconds) const {
    return pollUntil([&] { return kubectl(kubectlArgs).out; }, want, seconds);
  }
  // The outputs of shellScript run inside each of hosts first..last, one after the other.
  std::string onHosts(int first, int last, const std::string& shellScript) const {
    std::string all;
    for (int i = first; i <= last; ++i) all += exec(i, shellScript).out;
    return all;
  }
  // sha256 of every file kforge manages on hosts first..last (read inside each host), plus the entries of the
  // etcd data dir (names only: a running member keeps writing its files).
  // withEtcdData=false leaves the data dir out (a member the kubelet keeps restarting may recreate it any time).
  std::string hostFiles(int first, int last, bool withEtcdData = true) const {
    return onHosts(first, last,
                   std::string("find /etc/kubernetes /var/lib/kubelet/config.yaml /var/lib/kubelet/kubeadm-flags.env -type f -exec sha256sum {} + 2>/dev/null | sort; ") +
                       (withEtcdData ? "ls -A /var/lib/etcd /var/lib/kforge" : "ls -A /var/lib/kforge"));
  }
};

}  // namespace kforge::e2e

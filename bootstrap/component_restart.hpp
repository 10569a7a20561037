// Which running components must restart to take up certificates or kubeconfigs that changed under them.
//
// A certificate-only change (after `kforge certs renew`, a re-issue, a hand renewal) leaves every manifest and
// its kubernetes.io/config.hash unchanged, so the kubelet restarts nothing, and etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and the kubelet keep the OLD certificates and client credentials in
// memory until they expire (kubeadm#2989). kforge derives "restart needed" from what it can observe on the host,
// so that a re-run (after an interruption, or after the rotation) plans exactly what is left and then nothing:
//
//   a component must restart when a file it reads at start-up (for a static pod: every /etc/kubernetes path
//   its manifest's command line names; for the kubelet: kubelet.conf) was modified after the component's
//   oldest running process started — or is about to be written by this run's "files" phase.
//
// Process start times come from /proc/<pid>/stat (clock ticks since boot, converted with the host's own
// /proc/uptime and clock in the same remote command, so the host's clock is compared with itself only); file
// times from the same command (find -printf %T@). A component that does not run is not restarted (the phases
// that start it do that), nor one whose manifest this run rewrites (the kubelet restarts it for the new
// manifest), nor a kubelet the "kubelet" phase restarts anyway.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kforge {

// The remote POSIX sh script: the host's clock, the start time of every process of the five components
// (matched by /proc/<pid>/comm: etcd, kube-apiserver, kube-controller (kube-controller-manager, cut at 15
// characters by the kernel), kube-scheduler, kubelet), and the modification time of every file under
// /etc/kubernetes. No fork per process: only shell built-ins read /proc.
std::string runtimeScript();

struct HostRuntime {
  bool observed = false;
  std::map<std::string, double> started;        // component -> start (epoch seconds) of its oldest process
  std::map<std::string, std::vector<int>> pids;  // component -> its process ids
  std::map<std::string, double> mtime;          // path -> modification time (epoch seconds)
};
HostRuntime parseRuntime(const std::string& output);

// The component a /proc/<pid>/comm names ("kube-controller" -> "kube-controller-manager"), "" for others.
std::string componentForComm(const std::string& comm);

// Every /etc/kubernetes file a static pod manifest's command line names (--flag=/etc/kubernetes/...), sorted.
std::vector<std::string> filesNamedByManifest(const std::string& manifestYaml);

struct RestartInput {
  std::string host;
  HostRuntime runtime;
  std::map<std::string, std::vector<std::string>> uses;  // component -> the files it reads at start-up
  std::set<std::string> pendingWrites;                   // files this run's "files" phase writes on the host
  std::set<std::string> restartedAnyway;                 // components this run restarts for another reason
  bool etcdLeader = false;                               // its etcd member leads (restarted last)
};

struct PlannedRestart {
  std::string host;
  std::string component;
  std::vector<std::string> because;  // the files newer than the running process (or about to be written)
};

// Restarts in kforge's order, one host at a time: etcd (the leader last), then kube-apiserver,
// kube-controller-manager, kube-scheduler, then the kubelet; hosts in inventory order within a component.
std::vector<PlannedRestart> planRestarts(const std::vector<RestartInput>& hosts);

// The restart order of components.
const std::vector<std::string>& restartOrder();

}  // namespace kforge

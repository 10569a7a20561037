// The common skeleton of kubeadm's static control-plane pods (reference/kubeadm.md §3; kubeadm's
// ka/util/staticpod/utils.go): metadata, one container, probes, resources, hostPath volumes, and the
// `--name=value` command line built from default flags merged with the inventory's extraArgs.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/net.hpp"  // joinHostPort
#include "core/version.hpp"

namespace kforge {

// Flags by name (without "--"). std::map keeps them sorted by name, as kubeadm sorts them.
using Flags = std::map<std::string, std::string>;

// Defaults overridden by extraArgs: an extraArg replaces the default of the same name; others are added.
Flags mergeFlags(Flags defaults, const std::map<std::string, std::string>& extraArgs);

// [binary, "--a=1", "--b=2", ...] sorted by flag name.
std::vector<std::string> commandLine(const std::string& binary, const Flags& flags);
// kubeadm's ArgumentsToCommand for this release: `merged` is the defaults merged with extraArgs. Before 1.33.8,
// 1.34.4 and 1.35.1 every flag is sorted by name; from those patch releases on the defaults without an override
// are sorted and the extraArgs follow in their own order (kforge keeps extraArgs by name: sorted by name).
std::vector<std::string> commandLine(const std::string& binary, const Flags& merged,
                                     const std::map<std::string, std::string>& extraArgs, const Version& kubernetes);
bool extraArgsAfterDefaults(const Version& kubernetes);

struct HttpProbe {
  std::string host;
  std::string path;
  int port = 0;
  std::string scheme;  // HTTP | HTTPS
};

struct HostPathMount {
  std::string name;
  std::string hostPath;
  std::string mountPath;
  std::string type;  // DirectoryOrCreate | FileOrCreate
  bool readOnly = false;
};

struct StaticPodSpec {
  std::string name;  // component: pod name, container name and label
  std::string image;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> command;
  std::vector<std::pair<std::string, std::string>> env;  // the container's env (name, value), in this order
  std::optional<HttpProbe> liveness;   // 10/15/8/10 (initialDelay/timeout/failure/period)
  std::optional<HttpProbe> readiness;  // 0/15/3/1
  std::optional<HttpProbe> startup;    // 10/15/24/10
  std::map<std::string, std::string> requests;  // cpu, memory
  std::vector<HostPathMount> mounts;
  // kubeadm sorts the container's volumeMounts by name for every component except etcd, whose two
  // mounts it lists in a fixed order (etcd-data, etcd-certs). Volumes are always sorted.
  bool sortMounts = true;
  // Release-dependent layout (setRelease): kubeadm 1.34+ points the probes at a named container port
  // "probe-port" (containerPort = the probes' port), and no longer writes "creationTimestamp: null"
  // (apimachinery omits a zero creationTimestamp from 1.34).
  bool namedProbePort = false;
  bool creationTimestampNull = true;
};

// Sets the release-dependent layout of a kubeadm static pod for this Kubernetes version.
void setRelease(StaticPodSpec& spec, const Version& kubernetes);

// The pod as YAML, laid out like kubeadm's manifests (keys sorted, `creationTimestamp: null` before 1.34,
// `status: {}`), deterministic.
std::string renderStaticPod(const StaticPodSpec& spec);

// Optional CA-bundle directories kubeadm mounts into kube-apiserver and kube-controller-manager when they
// exist on the host (volume name = path with '/' → '-', leading '-' dropped). Rendering has no host to look
// at, so callers pass the ones present (facts gathered over SSH); default: none.
const std::vector<std::string>& optionalCaCertDirs();
std::vector<HostPathMount> caCertMounts(const std::set<std::string>& presentDirs);

// Shell lines that wait, after static-pod manifests were moved away, until the kubelet has stopped every
// control-plane process (etcd, kube-apiserver, kube-controller-manager — its process name is cut to 15
// characters — and kube-scheduler): up to 2 minutes, since the kubelet gives each pod a 30 s grace period
// before SIGKILL. Sets the shell variable `gone` to 1 when they are gone, 0 when the bound ran out.
std::string waitStaticPodsGoneScript();

// The component a static pod manifest path runs: "/etc/kubernetes/manifests/kube-apiserver.yaml" -> "kube-apiserver".
std::string componentOfManifest(const std::string& manifestPath);

// "https://10.0.0.1:2379" / "https://[fd00::1]:2379".
std::string urlFor(const std::string& scheme, const std::string& host, int port);
bool isIPv6(const std::string& address);

}  // namespace kforge

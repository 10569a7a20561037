// The inventory model: what a user's kforge.yaml describes, after validation.
// Loading lives in inventory_load.cpp (YAML walk) and inventory_validate.cpp (value and cross-field rules);
// the format is specified in docs/inventory.md.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/version.hpp"

namespace kforge {

enum class Role { ControlPlane, Etcd, Worker };
enum class EtcdTopology { Stacked, External };
enum class EtcdRunAs { StaticPod, Systemd };
enum class KeyAlgorithm { Rsa2048, Rsa3072, Rsa4096, EcdsaP256 };
enum class HostKeyPolicy { Strict, AcceptNew };
enum class UpgradeStrategy { InPlace, NodeReplacement, ClusterReplacement };

std::string toString(Role);
std::string toString(EtcdTopology);
std::string toString(EtcdRunAs);
std::string toString(KeyAlgorithm);
std::string toString(HostKeyPolicy);
std::string toString(UpgradeStrategy);

struct Taint {
  std::string key;
  std::string value;   // may be empty
  std::string effect;  // NoSchedule | PreferNoSchedule | NoExecute
};

struct Host {
  std::string name;     // RFC 1123 label; the Kubernetes node name and etcd member name
  std::string address;  // IP address (advertise address; SSH target unless sshAddress is set)
  std::string pool;     // name of the node pool it belongs to
  Role role = Role::Worker;
  SourceLoc loc;        // where the host is declared
};

struct NodePool {
  std::string name;
  Role role = Role::Worker;
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
  // True when the inventory has a `taints` key (even `[]`): as kubeadm's nodeRegistration.taints, an absent
  // key gives control-plane nodes kubeadm's NoSchedule taint, an empty list gives none.
  bool taintsSet = false;
  std::vector<Host> hosts;
  SourceLoc loc;
};

struct Networking {
  std::string podSubnet = "10.244.0.0/16";  // may be empty: no pod CIDR allocation
  std::string serviceSubnet = "10.96.0.0/12";
  std::string dnsDomain = "cluster.local";
};

struct EtcdSpec {
  EtcdTopology topology = EtcdTopology::Stacked;
  EtcdRunAs runAs = EtcdRunAs::StaticPod;
  std::string dataDir = "/var/lib/etcd";
  std::vector<std::string> serverCertSANs;
  std::vector<std::string> peerCertSANs;
  std::map<std::string, std::string> extraArgs;
  std::string imageTag;  // override of the catalog's etcd tag, e.g. "3.5.15-0"; empty = catalog default
};

struct ComponentSpec {
  std::map<std::string, std::string> extraArgs;
};

struct ApiServerSpec {
  int bindPort = 6443;
  std::vector<std::string> certSANs;
  std::map<std::string, std::string> extraArgs;
};

struct PkiSpec {
  KeyAlgorithm keyAlgorithm = KeyAlgorithm::Rsa2048;
  int certValidityDays = 365;
  int caValidityDays = 3650;
  int renewBeforeDays = 30;  // leaves expiring within this many days are re-issued by render/apply
};

struct ImagesSpec {
  std::string repository = "registry.k8s.io";
};

struct BastionSpec {
  std::string address;
  std::string user;
  int port = 22;
};

struct SshSpec {
  std::string user = "root";
  int port = 22;
  std::string keyPath;  // empty: ssh-agent's identities (SSH_AUTH_SOCK), then ~/.ssh/id_ed25519, as OpenSSH
  std::string knownHosts = "~/.ssh/known_hosts";
  HostKeyPolicy hostKeys = HostKeyPolicy::Strict;
  int concurrency = 30;
  int connectTimeoutSeconds = 10;
  int commandTimeoutSeconds = 600;
  std::optional<BastionSpec> bastion;
};

struct BackupsSpec {
  std::string dir = "./backups";  // relative to the inventory file's directory
  int keep = 10;
};

struct UpgradeSpec {
  UpgradeStrategy strategy = UpgradeStrategy::InPlace;
  int maxUnavailableWorkers = 1;         // workers upgraded at once
  int maxUnavailableWorkersPercent = 0;  // when written "25%": that share of the workers (rounded down, at least 1)
  int drainTimeoutSeconds = 300;  // written "5m" in YAML
  // How a node's kubelet is upgraded (spec.upgrade.kubelet): a shell command run on the node as the SSH user
  // (through sudo when not root) with KUBELET_VERSION=vX.Y.Z in its environment, e.g.
  // `apt-get install -y --allow-change-held-packages kubelet="${KUBELET_VERSION#v}-*"`.
  std::string kubeletPackageCommand;
  // Or (exactly one of the two): a local directory holding each release's kubelet binary, as
  // `kubelet-vX.Y.Z` or `vX.Y.Z/kubelet` (optionally with a `.sha256` file beside it), uploaded to each node,
  // checked there by sha256 and renamed over kubeletBinaryPath (the old one kept aside). Relative to the
  // inventory file's directory (kubeletBinaryDir() in core/state_dir.hpp).
  std::string kubeletBinaryDir;
  std::string kubeletBinaryPath = "/usr/bin/kubelet";  // where binaryDir's kubelet goes on the node
  // Workers in one batch: the count, or the percentage of `workers` (at least 1).
  int workerBatch(int workers) const;
};

// spec.proxy: the proxy environment of the control-plane pods (kube-apiserver, kube-controller-manager,
// kube-scheduler) and of kube-proxy. kubeadm copies every *_PROXY variable of its own process environment there
// (util/env.go GetProxyEnvVars); kforge renders the same files whatever environment it runs in, so the inventory
// says it. Not etcd (kubeadm gives etcd none either).
struct ProxySpec {
  std::string httpProxy, httpsProxy, noProxy;  // HTTP_PROXY, HTTPS_PROXY, NO_PROXY; empty = not set
  // The set ones as (name, value), sorted by name in byte order (kubeadm's MergeKubeadmEnvVars: HTTPS_PROXY first).
  std::vector<std::pair<std::string, std::string>> env() const;
};

struct Cluster {
  std::string name;  // metadata.name
  Version kubernetesVersion;
  std::string controlPlaneEndpoint;  // "host:port" as written; empty = first control-plane host:bindPort
  std::string clusterName = "kubernetes";  // kubeconfig cluster name / controller-manager --cluster-name
  Networking networking;
  EtcdSpec etcd;
  ApiServerSpec apiServer;
  ComponentSpec controllerManager;
  ComponentSpec scheduler;
  PkiSpec pki;
  ImagesSpec images;
  SshSpec ssh;
  BackupsSpec backups;
  UpgradeSpec upgrade;
  ProxySpec proxy;
  std::vector<NodePool> nodePools;
  // Host addresses may be loopback addresses (127.0.0.0/8, ::1): only for kforge's single-machine testbed
  // (tests/testbed), whose hosts are namespaces sharing one network stack. Off by default.
  bool allowLoopbackAddresses = false;

  std::string sourceFile;             // the inventory path as given
  std::vector<std::string> warnings;  // non-fatal findings ("file:line:col: ...")

  // Hosts by role, in inventory order.
  std::vector<const Host*> hosts() const;
  std::vector<const Host*> controlPlaneHosts() const;
  std::vector<const Host*> workerHosts() const;
  // The etcd members: control-plane hosts when stacked, etcd-pool hosts when external.
  std::vector<const Host*> etcdHosts() const;
  const Host* findHost(const std::string& name) const;
  const NodePool* findPool(const std::string& name) const;
  bool isEtcdMember(const Host& h) const;

  // The endpoint clients use: controlPlaneEndpoint when set, else "<first control-plane address>:<bindPort>".
  std::string endpointHostPort() const;
  std::string endpointHost() const;
  int endpointPort() const;
};

// The inventory's apiVersion and kind.
inline constexpr const char* kInventoryApiVersion = "kforge.dev/v1alpha1";
inline constexpr const char* kInventoryKind = "Cluster";

// Supported Kubernetes versions: the releases in core/version_catalog.hpp (docs/versions.md).

// Loads and validates an inventory file. Throws kforge::Error (ExitCode::InvalidInput) naming file:line:column.
Cluster loadInventory(const std::string& path);
// Same, from text (the file name is used in messages only).
Cluster parseInventory(const std::string& text, const std::string& fileName);

}  // namespace kforge

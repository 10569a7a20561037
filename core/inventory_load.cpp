// The inventory YAML walk: reads every key of the format (docs/inventory.md) into the model, rejecting
// unknown keys, wrong types and bad values at their file:line:column. Cross-field rules: inventory_validate.cpp.
#include <utility>

#include "core/inventory.hpp"
#include "core/inventory_internal.hpp"
#include "core/log.hpp"
#include "core/printable.hpp"

namespace kforge {

using namespace yamlr;
using namespace inv;

namespace {

const char* const kWhat = "an inventory (apiVersion: kforge.dev/v1alpha1, kind: Cluster, metadata, spec)";

MapView mapAt(Reader& r, const Entry& e, const std::string& example, std::vector<std::string> keys) {
  expectMap(r, e, example);
  return MapView(r, e, std::move(keys));
}

std::map<std::string, std::string> extraArgs(Reader& r, const MapView& m) {
  std::map<std::string, std::string> out;
  auto e = m.get("extraArgs");
  if (!e) return out;
  out = stringMap(r, *e, "extraArgs: {v: \"2\"}");
  for (const auto& [k, v] : MapView(r, *e, {}).entries()) extraArgName(r, v, k);
  return out;
}

std::vector<std::string> sans(Reader& r, const MapView& m, const std::string& key) {
  std::vector<std::string> out;
  if (auto e = m.get(key))
    for (const auto& item : list(r, *e, key + ": [api.example.com, 10.0.0.10]")) out.push_back(certSan(r, item));
  return out;
}

void readNetworking(Reader& r, const Entry& e, Networking& n) {
  auto m = mapAt(r, e, "networking: {podSubnet: 10.244.0.0/16}", {"podSubnet", "serviceSubnet", "dnsDomain"});
  if (auto v = m.get("podSubnet")) n.podSubnet = str(r, *v);
  if (auto v = m.get("serviceSubnet")) n.serviceSubnet = str(r, *v);
  if (auto v = m.get("dnsDomain")) n.dnsDomain = dnsSubdomain(r, *v);
}

void readEtcd(Reader& r, const Entry& e, EtcdSpec& s) {
  auto m = mapAt(r, e, "etcd: {topology: stacked}",
                 {"topology", "runAs", "dataDir", "serverCertSANs", "peerCertSANs", "extraArgs", "imageTag"});
  if (auto v = m.get("topology"))
    s.topology = oneOf<EtcdTopology>(r, *v, {{"stacked", EtcdTopology::Stacked}, {"external", EtcdTopology::External}});
  if (auto v = m.get("runAs"))
    s.runAs = oneOf<EtcdRunAs>(r, *v, {{"static-pod", EtcdRunAs::StaticPod}, {"systemd", EtcdRunAs::Systemd}});
  if (auto v = m.get("dataDir")) s.dataDir = etcdDataDir(r, *v);
  s.serverCertSANs = sans(r, m, "serverCertSANs");
  s.peerCertSANs = sans(r, m, "peerCertSANs");
  s.extraArgs = extraArgs(r, m);
  if (auto v = m.get("imageTag")) s.imageTag = imageTag(r, *v);
}

void readApiServer(Reader& r, const Entry& e, ApiServerSpec& s) {
  auto m = mapAt(r, e, "apiServer: {bindPort: 6443}", {"bindPort", "certSANs", "extraArgs"});
  if (auto v = m.get("bindPort")) s.bindPort = integer(r, *v, 1, 65535);
  s.certSANs = sans(r, m, "certSANs");
  s.extraArgs = extraArgs(r, m);
}

void readComponent(Reader& r, const Entry& e, ComponentSpec& s) {
  auto m = mapAt(r, e, e.path.substr(e.path.rfind('.') + 1) + ": {extraArgs: {v: \"2\"}}", {"extraArgs"});
  s.extraArgs = extraArgs(r, m);
}

void readPki(Reader& r, const Entry& e, PkiSpec& s) {
  auto m = mapAt(r, e, "pki: {keyAlgorithm: rsa-2048}",
                 {"keyAlgorithm", "certValidityDays", "caValidityDays", "renewBeforeDays"});
  if (auto v = m.get("keyAlgorithm"))
    s.keyAlgorithm = oneOf<KeyAlgorithm>(r, *v,
                                         {{"rsa-2048", KeyAlgorithm::Rsa2048},
                                          {"rsa-3072", KeyAlgorithm::Rsa3072},
                                          {"rsa-4096", KeyAlgorithm::Rsa4096},
                                          {"ecdsa-p256", KeyAlgorithm::EcdsaP256}});
  constexpr int kMaxDays = 36500;
  if (auto v = m.get("certValidityDays")) s.certValidityDays = integer(r, *v, 1, kMaxDays);
  if (auto v = m.get("caValidityDays")) s.caValidityDays = integer(r, *v, 1, kMaxDays);
  if (auto v = m.get("renewBeforeDays")) s.renewBeforeDays = integer(r, *v, 0, kMaxDays);
}

void readImages(Reader& r, const Entry& e, ImagesSpec& s) {
  auto m = mapAt(r, e, "images: {repository: registry.k8s.io}", {"repository"});
  if (auto v = m.get("repository")) s.repository = imageRepository(r, *v);
}

void readSsh(Reader& r, const Entry& e, SshSpec& s) {
  auto m = mapAt(r, e, "ssh: {user: root}",
                 {"user", "port", "keyPath", "knownHosts", "hostKeys", "concurrency", "connectTimeout",
                  "commandTimeout", "bastion"});
  if (auto v = m.get("user")) s.user = posixUser(r, *v);
  if (auto v = m.get("port")) s.port = integer(r, *v, 1, 65535);
  if (auto v = m.get("keyPath")) s.keyPath = nonEmpty(r, *v, "keyPath: ~/.ssh/id_ed25519");
  if (auto v = m.get("knownHosts")) s.knownHosts = nonEmpty(r, *v, "knownHosts: ~/.ssh/known_hosts");
  if (auto v = m.get("hostKeys"))
    s.hostKeys = oneOf<HostKeyPolicy>(r, *v, {{"strict", HostKeyPolicy::Strict}, {"accept-new", HostKeyPolicy::AcceptNew}});
  if (auto v = m.get("concurrency")) s.concurrency = integer(r, *v, 1, 1000);
  if (auto v = m.get("connectTimeout")) s.connectTimeoutSeconds = duration(r, *v);
  if (auto v = m.get("commandTimeout")) s.commandTimeoutSeconds = duration(r, *v);
  if (auto v = m.get("bastion")) {
    auto b = mapAt(r, *v, "bastion: {address: 10.0.0.2, user: jump}", {"address", "user", "port"});
    BastionSpec bs;
    bs.address = hostOrIp(r, b.require("address", "address: 10.0.0.2"));
    bs.user = s.user;
    if (auto u = b.get("user")) bs.user = posixUser(r, *u);
    if (auto p = b.get("port")) bs.port = integer(r, *p, 1, 65535);
    s.bastion = bs;
  }
}

void readBackups(Reader& r, const Entry& e, BackupsSpec& s) {
  auto m = mapAt(r, e, "backups: {dir: ./backups, keep: 10}", {"dir", "keep"});
  if (auto v = m.get("dir")) s.dir = nonEmpty(r, *v, "dir: ./backups");
  if (auto v = m.get("keep")) s.keep = integer(r, *v, 1, 100000);
}

void readProxy(Reader& r, const Entry& e, ProxySpec& s) {
  auto m = mapAt(r, e, "proxy: {httpProxy: 'http://proxy.example.com:3128', noProxy: '10.0.0.0/8,.svc'}",
                 {"httpProxy", "httpsProxy", "noProxy"});
  // Values go into pod specs as they are: one line of printable text.
  auto value = [&](const Entry& v, const char* example) {
    std::string s = nonEmpty(r, v, example);
    for (unsigned char ch : s)
      if (ch < 0x20 || ch == 0x7f) r.fail(v.loc, v.path + " must be one line of printable text (e.g. " + example + ")");
    return s;
  };
  if (auto v = m.get("httpProxy")) s.httpProxy = value(*v, "httpProxy: http://proxy.example.com:3128");
  if (auto v = m.get("httpsProxy")) s.httpsProxy = value(*v, "httpsProxy: http://proxy.example.com:3128");
  if (auto v = m.get("noProxy")) s.noProxy = value(*v, "noProxy: 10.0.0.0/8,.svc,.cluster.local");
}

void readUpgrade(Reader& r, const Entry& e, UpgradeSpec& s) {
  auto m = mapAt(r, e, "upgrade: {strategy: in-place}", {"strategy", "maxUnavailableWorkers", "drainTimeout", "kubelet"});
  if (auto v = m.get("strategy"))
    s.strategy = oneOf<UpgradeStrategy>(r, *v,
                                        {{"in-place", UpgradeStrategy::InPlace},
                                         {"node-replacement", UpgradeStrategy::NodeReplacement},
                                         {"cluster-replacement", UpgradeStrategy::ClusterReplacement}});
  if (auto v = m.get("maxUnavailableWorkers")) {
    std::string text = nonEmpty(r, *v, "maxUnavailableWorkers: 2 (or 25%)");
    if (text.size() > 1 && text.back() == '%') {
      int pct = 0;
      bool digits = text.size() <= 4;
      for (size_t i = 0; i + 1 < text.size() && digits; ++i) digits = text[i] >= '0' && text[i] <= '9';
      if (digits) pct = std::stoi(text.substr(0, text.size() - 1));
      if (!digits || pct < 1 || pct > 100)
        throw Error(v->loc, "maxUnavailableWorkers: '" + text + "' is not a percentage from 1% to 100% (e.g. 25%)");
      s.maxUnavailableWorkersPercent = pct;
    } else {
      s.maxUnavailableWorkers = integer(r, *v, 1, 100000);
    }
  }
  if (auto v = m.get("drainTimeout")) s.drainTimeoutSeconds = duration(r, *v);
  if (auto v = m.get("kubelet")) {
    auto k = mapAt(r, *v, "kubelet: {packageCommand: 'apt-get install -y kubelet=\"${KUBELET_VERSION#v}-*\"'}",
                   {"packageCommand", "binaryDir", "binaryPath"});
    auto pc = k.get("packageCommand");
    auto bd = k.get("binaryDir");
    if (pc.has_value() == bd.has_value())
      throw Error(v->loc, std::string("spec.upgrade.kubelet: ") +
                              (pc ? "packageCommand and binaryDir both set" : "neither packageCommand nor binaryDir set") +
                              "; set exactly one (packageCommand: 'apt-get install -y kubelet=\"${KUBELET_VERSION#v}-*\"', "
                              "or binaryDir: ./kubelet-binaries)");
    if (pc) s.kubeletPackageCommand = nonEmpty(r, *pc, "packageCommand: apt-get install -y kubelet=\"${KUBELET_VERSION#v}-*\"");
    if (bd) s.kubeletBinaryDir = nonEmpty(r, *bd, "binaryDir: ./kubelet-binaries");
    if (auto bp = k.get("binaryPath")) {
      if (!bd) throw Error(bp->loc, "spec.upgrade.kubelet.binaryPath is only used with binaryDir");
      std::string p = nonEmpty(r, *bp, "binaryPath: /usr/bin/kubelet");
      bool ok = p.size() > 1 && p[0] == '/' && p.back() != '/' && p.find("//") == std::string::npos &&
                p.find("/../") == std::string::npos && p.find("/./") == std::string::npos &&
                p.substr(p.size() - 3) != "/.." && p.substr(p.size() - 2) != "/.";
      for (char ch : p)
        ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '/' ||
                    ch == '.' || ch == '_' || ch == '-');
      if (!ok)
        throw Error(bp->loc, "binaryPath: '" + p + "' is not a normalised absolute path of letters, digits, '.', '_', '-' "
                             "(e.g. /usr/bin/kubelet)");
      s.kubeletBinaryPath = p;
    }
  }
}

Taint readTaint(Reader& r, const Entry& e) {
  auto m = mapAt(r, e, "{key: dedicated, value: etcd, effect: NoSchedule}", {"key", "value", "effect"});
  Taint t;
  auto k = m.require("key", "key: dedicated");
  t.key = labelKey(r, k.loc, str(r, k), e.path);
  if (auto v = m.get("value")) {
    t.value = stringValue(r, *v, "value");
    labelValue(r, *v, t.value);
  }
  t.effect = oneOf<std::string>(r, m.require("effect", "effect: NoSchedule"),
                                {{"NoSchedule", "NoSchedule"},
                                 {"PreferNoSchedule", "PreferNoSchedule"},
                                 {"NoExecute", "NoExecute"}});
  return t;
}

Host readHost(Reader& r, const Entry& e, const NodePool& pool) {
  auto m = mapAt(r, e, "{name: cp1, address: 10.0.0.11}", {"name", "address"});
  Host h;
  h.name = rfc1123Label(r, m.require("name", "name: cp1"));
  h.address = ipAddress(r, m.require("address", "address: 10.0.0.11"));
  h.pool = pool.name;
  h.role = pool.role;
  h.loc = e.loc;
  return h;
}

NodePool readPool(Reader& r, const Entry& e) {
  auto m = mapAt(r, e, "{name: control, role: control-plane, hosts: [...]}",
                 {"name", "role", "labels", "taints", "hosts"});
  NodePool p;
  p.loc = e.loc;
  p.name = rfc1123Label(r, m.require("name", "name: control"));
  p.role = oneOf<Role>(r, m.require("role", "role: control-plane"),
                       {{"control-plane", Role::ControlPlane}, {"etcd", Role::Etcd}, {"worker", Role::Worker}});
  if (auto v = m.get("labels")) {
    p.labels = stringMap(r, *v, "labels: {tier: cp}");
    for (const auto& [k, lv] : MapView(r, *v, {}).entries()) {
      labelKey(r, lv.keyLoc, k, v->path);
      labelValue(r, lv, p.labels[k]);
    }
  }
  if (auto v = m.get("taints")) p.taintsSet = true;
  if (auto v = m.get("taints"))
    for (const auto& t : list(r, *v, "taints: [{key: dedicated, effect: NoSchedule}]")) p.taints.push_back(readTaint(r, t));
  auto hosts = list(r, m.require("hosts", "hosts: [{name: cp1, address: 10.0.0.11}]"),
                    "hosts: [{name: cp1, address: 10.0.0.11}]");
  if (hosts.empty())
    r.fail(r.locs[e.path + ".hosts"], e.path + ".hosts is empty; a node pool needs at least one host "
                                               "(e.g. hosts: [{name: cp1, address: 10.0.0.11}]) or remove the pool");
  for (const auto& h : hosts) p.hosts.push_back(readHost(r, h, p));
  return p;
}

void readSpec(Reader& r, const Entry& e, Cluster& c) {
  auto m = mapAt(r, e, "spec: {kubernetesVersion: v1.31.2, nodePools: [...]}",
                 {"kubernetesVersion", "controlPlaneEndpoint", "clusterName", "networking", "etcd", "apiServer",
                  "controllerManager", "scheduler", "pki", "images", "ssh", "backups", "upgrade", "proxy",
                  "nodePools", "allowLoopbackAddresses"});
  auto kv = m.require("kubernetesVersion", "kubernetesVersion: v1.31.2");
  c.kubernetesVersion = *Version::parse(kubernetesVersion(r, kv));
  if (auto v = m.get("controlPlaneEndpoint")) c.controlPlaneEndpoint = str(r, *v);
  if (auto v = m.get("clusterName")) c.clusterName = rfc1123Label(r, *v);
  if (auto v = m.get("networking")) readNetworking(r, *v, c.networking);
  if (auto v = m.get("etcd")) readEtcd(r, *v, c.etcd);
  if (auto v = m.get("apiServer")) readApiServer(r, *v, c.apiServer);
  if (auto v = m.get("controllerManager")) readComponent(r, *v, c.controllerManager);
  if (auto v = m.get("scheduler")) readComponent(r, *v, c.scheduler);
  if (auto v = m.get("pki")) readPki(r, *v, c.pki);
  if (auto v = m.get("images")) readImages(r, *v, c.images);
  if (auto v = m.get("ssh")) readSsh(r, *v, c.ssh);
  if (auto v = m.get("backups")) readBackups(r, *v, c.backups);
  if (auto v = m.get("upgrade")) readUpgrade(r, *v, c.upgrade);
  if (auto v = m.get("proxy")) readProxy(r, *v, c.proxy);
  if (auto v = m.get("allowLoopbackAddresses")) c.allowLoopbackAddresses = boolean(r, *v);
  auto pools = m.require("nodePools", "nodePools: [{name: control, role: control-plane, hosts: [...]}]");
  for (const auto& p : list(r, pools, "nodePools: [{name: control, role: control-plane, hosts: [...]}]"))
    c.nodePools.push_back(readPool(r, p));
}

}  // namespace

Cluster parseInventory(const std::string& text, const std::string& fileName) {
  Reader r(fileName);
  Entry root = r.loadSingleMap(text, kWhat);
  r.locs[""] = root.loc;
  MapView top(r, root, {"apiVersion", "kind", "metadata", "spec"});
  Cluster c;
  c.sourceFile = fileName;

  auto av = top.require("apiVersion", std::string("apiVersion: ") + kInventoryApiVersion);
  if (str(r, av) != kInventoryApiVersion)
    r.fail(av.loc, "apiVersion " + quotedValue(str(r, av)) + " is not supported (expected apiVersion: " +
                       kInventoryApiVersion + ")");
  auto kind = top.require("kind", std::string("kind: ") + kInventoryKind);
  if (str(r, kind) != kInventoryKind)
    r.fail(kind.loc, "kind " + quotedValue(str(r, kind)) + " is not supported (expected kind: " + kInventoryKind + ")");
  auto md = mapAt(r, top.require("metadata", "metadata: {name: prod-eu1}"), "metadata: {name: prod-eu1}", {"name"});
  c.name = rfc1123Label(r, md.require("name", "name: prod-eu1"));
  readSpec(r, top.require("spec", "spec: {kubernetesVersion: v1.31.2, nodePools: [...]}"), c);

  validateCluster(c, r);
  return c;
}

Cluster loadInventory(const std::string& path) {
  Cluster c = parseInventory(readInputFile(path, "the inventory file, given with -f"), path);
  if (debugEnabled())
    logDebug("inventory " + printable(path) + ": cluster " + c.name + ", Kubernetes " + c.kubernetesVersion.str() + ", " +
             std::to_string(c.hosts().size()) + " hosts");
  return c;
}

}  // namespace kforge

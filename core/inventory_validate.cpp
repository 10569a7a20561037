// The inventory's value rules (one per kind of field) and its cross-field checks. See docs/inventory.md.
#include <charconv>
#include <map>
#include <set>

#include "core/inventory_internal.hpp"
#include "core/data_dir.hpp"
#include "core/k8s_names.hpp"
#include "core/net.hpp"
#include "core/printable.hpp"
#include "core/value_syntax.hpp"
#include "core/version_catalog.hpp"

namespace kforge {

namespace inv {

namespace {
std::string q(const std::string& s) { return yamlr::quotedValue(s); }
}  // namespace

std::string rfc1123Label(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  if (!isRfc1123Label(v))
    r.fail(e.loc, e.path + " " + q(v) +
                      " is not a valid name: use an RFC 1123 label (1-63 lowercase letters, digits and '-', starting "
                      "and ending with a letter or digit, e.g. cp-1)");
  return v;
}

std::string dnsSubdomain(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  if (!isRfc1123Subdomain(v))
    r.fail(e.loc, e.path + " " + q(v) +
                      " is not a valid DNS domain: use dot-separated RFC 1123 labels (lowercase, e.g. cluster.local)");
  return v;
}

std::string ipAddress(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  auto ip = IpAddr::parse(v);
  if (!ip)
    r.fail(e.loc, e.path + " " + q(v) +
                      " is not an IP address (expected IPv4 like 10.0.0.11 or IPv6 like fd00::11; DNS names are not "
                      "accepted here)");
  IpAddr a = ip->unmapped();  // ::ffff:10.0.0.12 is 10.0.0.12 (and compared as such)
  const std::string own = "; give the host's own address (e.g. 10.0.0.11)";
  if (a.isUnspecified()) r.fail(e.loc, e.path + " " + q(v) + " is the unspecified address" + own);
  if (a.isThisNetwork()) r.fail(e.loc, e.path + " " + q(v) + " is in 0.0.0.0/8 (\"this network\"), not a host address" + own);
  if (a.isMulticast()) r.fail(e.loc, e.path + " " + q(v) + " is a multicast address" + own);
  if (a.isBroadcast()) r.fail(e.loc, e.path + " " + q(v) + " is the broadcast address" + own);
  if (a.isLinkLocalV6())
    r.fail(e.loc, e.path + " " + q(v) +
                      " is an IPv6 link-local address, usable only with an interface zone; give a global or unique "
                      "local address (e.g. fd00::11)");
  return a.str();
}

std::string hostOrIp(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  if (!IpAddr::parse(v) && !isRfc1123Subdomain(v))
    r.fail(e.loc, e.path + " " + q(v) +
                      " is neither an IP address nor a DNS name (e.g. 10.0.0.2 or bastion.example.com)");
  return v;
}

std::string certSan(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  if (!IpAddr::parse(v) && !isRfc1123Subdomain(v) && !isWildcardDnsName(v))
    r.fail(e.loc, e.path + " " + q(v) +
                      " is not a valid certificate SAN (expected an IP address, a lowercase RFC 1123 DNS name or a "
                      "wildcard like *.example.com)");
  return v;
}

std::string kubernetesVersion(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  auto ver = Version::parse(v);
  if (!ver || v.empty() || v[0] != 'v')
    r.fail(e.loc, e.path + " " + q(v) + " is not a Kubernetes version (expected vMAJOR.MINOR.PATCH, e.g. v1.31.2)");
  if (!ver->isRelease())
    r.fail(e.loc, e.path + " " + q(v) + " is a pre-release; kforge supports releases " + supportedVersionsText());
  if (!ver->build.empty()) {
    Version release = *ver;
    release.build.clear();
    r.fail(e.loc, e.path + " " + q(v) + " carries build metadata (+" + printable(ver->build) +
                      "); kforge installs the release images of its version catalog, write " + release.str());
  }
  if (!isSupportedKubernetesVersion(*ver))
    r.fail(e.loc, e.path + " " + printable(v) + " is not in kforge's version catalog (supported: " + supportedVersionsText() + ")");
  return ver->str();
}

std::string etcdDataDir(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  const std::string what = e.path + " " + q(v);
  if (!isPortableAbsolutePath(v))
    r.fail(e.loc, what + " is not a usable directory: use an absolute path of letters, digits, '.', '_', '-' and '/' "
                         "(e.g. /var/lib/etcd)");
  std::string why;
  auto norm = normalizeHostPath(v, &why);
  if (!norm) r.fail(e.loc, what + " " + why + " (e.g. /var/lib/etcd)");
  if (std::string reason = systemDirectoryReason(*norm); !reason.empty())
    r.fail(e.loc, what + " " + reason + "; reset and restore move the whole content of this directory aside, so it must "
                         "be one that only etcd uses (e.g. /var/lib/etcd)");
  return *norm;
}

std::string nonEmpty(const Reader& r, const Entry& e, const std::string& example) {
  std::string v = yamlr::str(r, e);
  if (v.empty()) r.fail(e.loc, e.path + " must not be empty (e.g. " + example + ")");
  if (v.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
    r.fail(e.loc, e.path + " must be a single line (e.g. " + example + ")");
  return v;
}

std::string posixUser(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  if (!isPosixUserName(v))
    r.fail(e.loc, e.path + " " + q(v) +
                      " is not a valid user name (expected 1-32 lowercase letters, digits, '_' or '-', starting with a "
                      "letter or '_', e.g. root)");
  return v;
}

std::string imageRepository(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  if (!isImageRepository(v))
    r.fail(e.loc, e.path + " " + q(v) +
                      " is not an image repository (expected registry[:port][/path], e.g. registry.k8s.io or "
                      "registry.example.com:5000/k8s)");
  return v;
}

std::string imageTag(const Reader& r, const Entry& e) {
  std::string v = yamlr::str(r, e);
  if (!v.empty() && !isImageTag(v))
    r.fail(e.loc, e.path + " " + q(v) + " is not an image tag (e.g. 3.5.15-0, or \"\" for the default)");
  return v;
}

std::string labelKey(const Reader& r, const SourceLoc& at, const std::string& key, const std::string& where) {
  if (!isQualifiedName(key))
    r.fail(at, "key " + q(key) + " in " + where +
                         " is not a valid Kubernetes label key (expected [prefix/]name: name of 1-63 letters, digits, "
                         "'-', '_' or '.', starting and ending alphanumeric; prefix a DNS subdomain, e.g. "
                         "node.example.com/tier)");
  return key;
}

void labelValue(const Reader& r, const Entry& e, const std::string& value) {
  if (!isLabelValue(value))
    r.fail(e.loc, e.path + " " + q(value) +
                      " is not a valid Kubernetes label value (expected at most 63 letters, digits, '-', '_' or '.', "
                      "starting and ending alphanumeric, or empty)");
}

void extraArgName(const Reader& r, const Entry& e, const std::string& key) {
  if (key.starts_with("-"))
    r.fail(e.keyLoc, "extraArgs key " + q(key) + " starts with '-'; write the flag name without dashes (e.g. " +
                         printable(key.substr(key.find_first_not_of('-') == std::string::npos
                                                  ? key.size()
                                                  : key.find_first_not_of('-'))) +
                         ")");
  if (!isFlagName(key))
    r.fail(e.keyLoc, "extraArgs key " + q(key) +
                         " is not a flag name (expected lowercase letters, digits and '-', e.g. audit-log-path)");
  if (e.node.IsScalar() && e.node.Scalar().find_first_of("\n\r") != std::string::npos)
    r.fail(e.loc, e.path + " must be a single line");
}

namespace {

SourceLoc locOf(const Reader& r, const std::string& path, const std::string& fallback = "spec") {
  if (auto it = r.locs.find(path); it != r.locs.end()) return it->second;
  if (auto it = r.locs.find(fallback); it != r.locs.end()) return it->second;
  return SourceLoc{r.file(), 0, 0};
}

Cidr subnet(const Reader& r, const std::string& key, const std::string& value) {
  std::string path = "spec.networking." + key;
  SourceLoc at = locOf(r, path, "spec.networking");
  if (value.find(',') != std::string::npos)
    r.fail(at, path + " " + q(value) + " lists several ranges; dual-stack is not supported, give one CIDR");
  bool hostBits = false;
  auto c = Cidr::parse(value, &hostBits);
  if (!c)
    r.fail(at, path + " " + q(value) + " is not a CIDR block (expected address/prefix, e.g. 10.244.0.0/16)");
  if (hostBits)
    r.fail(at, path + " " + q(value) + " has host bits set; use the network address " + q(c->str()));
  return *c;
}

void checkNetworking(const Cluster& c, const Reader& r) {
  Cidr svc = subnet(r, "serviceSubnet", c.networking.serviceSubnet);
  int minPrefix = svc.base.v6 ? 108 : 12;  // kube-apiserver allows at most 2^20 service addresses
  if (svc.prefix < minPrefix)
    r.fail(locOf(r, "spec.networking.serviceSubnet", "spec.networking"),
           "spec.networking.serviceSubnet " + q(c.networking.serviceSubnet) +
               " is too large for kube-apiserver (at most 2^20 addresses: prefix /" + std::to_string(minPrefix) +
               " or longer)");
  // kube-apiserver needs at least 8 addresses (the first is the kubernetes Service's); the cluster DNS Service
  // takes the tenth (kubelet clusterDNS, as kubeadm): at least 16, a /28 (IPv6 /124).
  int maxPrefix = svc.base.v6 ? 124 : 28;
  if (svc.prefix > maxPrefix)
    r.fail(locOf(r, "spec.networking.serviceSubnet", "spec.networking"),
           "spec.networking.serviceSubnet " + q(c.networking.serviceSubnet) +
               " is too small: the kubernetes Service takes its first address and cluster DNS its tenth, so it needs "
               "at least 16 addresses (prefix /" + std::to_string(maxPrefix) + " or shorter)");
  if (c.networking.podSubnet.empty()) return;
  Cidr pod = subnet(r, "podSubnet", c.networking.podSubnet);
  SourceLoc at = locOf(r, "spec.networking.podSubnet", "spec.networking");
  if (pod.base.v6 != svc.base.v6)
    r.fail(at, "spec.networking.podSubnet " + q(c.networking.podSubnet) + " and spec.networking.serviceSubnet " +
                   q(c.networking.serviceSubnet) + " are of different IP families; use IPv4 for both or IPv6 for both");
  if (pod.overlaps(svc))
    r.fail(at, "spec.networking.podSubnet " + q(c.networking.podSubnet) + " overlaps spec.networking.serviceSubnet " +
                   q(c.networking.serviceSubnet) + "; choose disjoint ranges");
}

void checkEndpoint(Cluster& c, const Reader& r) {
  if (c.controlPlaneEndpoint.empty()) return;
  SourceLoc at = locOf(r, "spec.controlPlaneEndpoint");
  const std::string& ep = c.controlPlaneEndpoint;
  auto colon = ep.rfind(':');
  auto headIp = colon == std::string::npos ? std::nullopt : IpAddr::parse(ep.substr(0, colon));
  if (ep.front() != '[' && (IpAddr::parse(ep).value_or(IpAddr{}).v6 || (headIp && headIp->v6))) {
    // A bare IPv6 address: is "fd00::10:6443" the host fd00::10 with port 6443, or the host fd00::10:6443?
    std::string hint = IpAddr::parse(ep) ? "[" + ep + "]:" + std::to_string(c.apiServer.bindPort) : "";
    std::string last = ep.substr(colon + 1);
    int port = 0;
    auto [p, ec] = std::from_chars(last.data(), last.data() + last.size(), port);
    if (headIp && ec == std::errc() && p == last.data() + last.size() && port >= 1 && port <= 65535)
      hint = "[" + ep.substr(0, colon) + "]:" + last + (hint.empty() ? "" : " (if " + last + " is the port) or " + hint);
    if (hint.empty()) hint = "[" + ep.substr(0, colon) + "]:" + std::to_string(c.apiServer.bindPort);
    r.fail(at, "spec.controlPlaneEndpoint " + q(ep) + " is ambiguous: write an IPv6 address in brackets, with the port "
                   "after them, e.g. " + hint);
  }
  std::string host;
  int port = 0;
  bool ok = splitHostPort(c.controlPlaneEndpoint, host, port);
  auto ip = IpAddr::parse(host);
  if (ok && !ip && !isRfc1123Subdomain(host)) ok = false;
  if (ok && c.controlPlaneEndpoint.front() == '[' && !(ip && ip->v6)) ok = false;
  if (!ok)
    r.fail(at, "spec.controlPlaneEndpoint " + q(c.controlPlaneEndpoint) +
                   " is not valid (expected host[:port] with an IP address or lowercase DNS name and a port from 1 to "
                   "65535, e.g. 10.0.0.10:6443, api.example.com or [fd00::10]:6443)");
  if (ip) {
    *ip = ip->unmapped();
    if (ip->isUnspecified() || ip->isThisNetwork() || ip->isMulticast() || ip->isBroadcast())
      r.fail(at, "spec.controlPlaneEndpoint " + q(c.controlPlaneEndpoint) +
                     " is not an address clients can connect to (unspecified, multicast or broadcast); give the load "
                     "balancer's or virtual IP's address (e.g. 10.0.0.10:6443)");
    for (const auto& [key, value] : {std::pair{"serviceSubnet", c.networking.serviceSubnet},
                                     std::pair{"podSubnet", c.networking.podSubnet}})
      if (auto net = Cidr::parse(value); net && net->contains(*ip))
        r.fail(at, "spec.controlPlaneEndpoint " + q(c.controlPlaneEndpoint) + " is inside spec.networking." + key +
                       " " + q(value) + "; the endpoint must be outside the service and pod subnets");
  }
  if (port == 0) port = c.apiServer.bindPort;
  std::string h = ip ? ip->str() : host;
  c.controlPlaneEndpoint = (ip && ip->v6 ? "[" + h + "]" : h) + ":" + std::to_string(port);
}

void checkPoolsAndHosts(Cluster& c, const Reader& r) {
  std::map<std::string, std::string> poolNames;  // name -> path
  std::map<std::string, std::string> hostNames;
  std::map<std::string, std::string> addresses;  // normalized address -> host
  for (size_t i = 0; i < c.nodePools.size(); ++i) {
    const auto& p = c.nodePools[i];
    std::string pp = "spec.nodePools[" + std::to_string(i) + "]";
    if (auto [it, fresh] = poolNames.emplace(p.name, pp); !fresh)
      r.fail(locOf(r, pp + ".name"), pp + ".name " + q(p.name) + " is already used by " + it->second +
                                         "; node pool names must be unique");
    for (size_t j = 0; j < p.hosts.size(); ++j) {
      const auto& h = p.hosts[j];
      std::string hp = pp + ".hosts[" + std::to_string(j) + "]";
      if (auto [it, fresh] = hostNames.emplace(h.name, hp); !fresh)
        r.fail(locOf(r, hp + ".name"), "host name " + q(h.name) + " is already used by " + it->second +
                                           "; host names must be unique across all node pools");
      if (auto [it, fresh] = addresses.emplace(h.address, "host " + q(h.name) + " (" + hp + ")"); !fresh)
        r.fail(locOf(r, hp + ".address"), "address " + q(h.address) + " of host " + q(h.name) +
                                              " is already used by " + it->second + "; every host needs its own address");
    }
  }
}

// Host addresses against the cluster: loopback only in the testbed (spec.allowLoopbackAddresses), never inside
// the service or pod subnet (traffic to them would be routed into the cluster network).
void checkHostAddresses(const Cluster& c, const Reader& r) {
  auto svc = Cidr::parse(c.networking.serviceSubnet);
  auto pod = c.networking.podSubnet.empty() ? std::nullopt : Cidr::parse(c.networking.podSubnet);
  for (size_t i = 0; i < c.nodePools.size(); ++i)
    for (size_t j = 0; j < c.nodePools[i].hosts.size(); ++j) {
      const Host& h = c.nodePools[i].hosts[j];
      std::string hp = "spec.nodePools[" + std::to_string(i) + "].hosts[" + std::to_string(j) + "]";
      SourceLoc at = locOf(r, hp + ".address");
      auto ip = IpAddr::parse(h.address);
      if (!ip) continue;
      std::string what = "address " + q(h.address) + " of host " + q(h.name);
      if (ip->isLoopback() && !c.allowLoopbackAddresses)
        r.fail(at, what + " is a loopback address, which no other host can reach; give the host's own address (only "
                          "kforge's single-machine testbed uses loopback addresses, with spec.allowLoopbackAddresses: "
                          "true)");
      if (svc && svc->contains(*ip))
        r.fail(at, what + " is inside spec.networking.serviceSubnet " + q(c.networking.serviceSubnet) +
                       "; host addresses must be outside the service and pod subnets");
      if (pod && pod->contains(*ip))
        r.fail(at, what + " is inside spec.networking.podSubnet " + q(c.networking.podSubnet) +
                       "; host addresses must be outside the service and pod subnets");
    }
}

void checkRoles(Cluster& c, const Reader& r) {
  if (c.controlPlaneHosts().empty())
    r.fail(locOf(r, "spec.nodePools"),
           "no control-plane host: add a node pool with role: control-plane and at least one host");
  size_t etcdPools = 0;
  for (size_t i = 0; i < c.nodePools.size(); ++i) {
    if (c.nodePools[i].role != Role::Etcd) continue;
    ++etcdPools;
    if (c.etcd.topology == EtcdTopology::Stacked) {
      std::string pp = "spec.nodePools[" + std::to_string(i) + "]";
      r.fail(locOf(r, pp + ".role"),
             "node pool " + q(c.nodePools[i].name) +
                 " has role etcd, but spec.etcd.topology is stacked (etcd runs on the control-plane hosts); set "
                 "spec.etcd.topology: external or give the pool another role");
    }
  }
  if (c.etcd.topology == EtcdTopology::External && etcdPools == 0)
    r.fail(locOf(r, "spec.etcd.topology"),
           "spec.etcd.topology is external, but no node pool has role: etcd; add an etcd pool (3 hosts, e.g. "
           "{name: etcd, role: etcd, hosts: [...]}) or use topology: stacked");
}

void warnings(Cluster& c, const Reader& r) {
  auto members = c.etcdHosts();
  size_t n = members.size();
  Role etcdRole = c.etcd.topology == EtcdTopology::Stacked ? Role::ControlPlane : Role::Etcd;
  SourceLoc at = locOf(r, "spec.nodePools");
  for (const auto& p : c.nodePools)
    if (p.role == etcdRole) {
      at = p.loc;
      break;
    }
  if (n > 7)
    c.warnings.push_back(at.str() + ": " + std::to_string(n) +
                         " etcd members are more than 7; every member slows down writes, use 3 or 5");
  else if (n % 2 == 0)
    c.warnings.push_back(at.str() + ": an even number of etcd members (" + std::to_string(n) +
                         ") tolerates no more failures than " + std::to_string(n - 1) + "; use 3 or 5");
  auto cps = c.controlPlaneHosts();
  if (cps.size() > 1 && c.controlPlaneEndpoint.empty())
    c.warnings.push_back(locOf(r, "spec").str() + ": " + std::to_string(cps.size()) +
                         " control-plane hosts but no spec.controlPlaneEndpoint: clients and kubelets will use " +
                         cps.front()->name + " (" + cps.front()->address +
                         ") only; set it to a load balancer or virtual IP");
}

void checkPki(const Cluster& c, const Reader& r) {
  const auto& p = c.pki;
  if (p.certValidityDays > p.caValidityDays)
    r.fail(locOf(r, "spec.pki.certValidityDays", "spec.pki.caValidityDays"),
           "spec.pki.certValidityDays " + std::to_string(p.certValidityDays) + " exceeds spec.pki.caValidityDays " +
               std::to_string(p.caValidityDays) + "; certificates cannot outlive their CA, lower it or raise the CA's");
  if (p.renewBeforeDays >= p.certValidityDays)
    r.fail(locOf(r, "spec.pki.renewBeforeDays", "spec.pki.certValidityDays"),
           "spec.pki.renewBeforeDays " + std::to_string(p.renewBeforeDays) +
               " must be less than spec.pki.certValidityDays " + std::to_string(p.certValidityDays) +
               " (otherwise every run re-issues every certificate)");
}

}  // namespace

void validateCluster(Cluster& c, Reader& r) {
  checkNetworking(c, r);
  checkEndpoint(c, r);
  checkPki(c, r);
  checkPoolsAndHosts(c, r);
  checkHostAddresses(c, r);
  checkRoles(c, r);
  warnings(c, r);
  warnInsecureExtraArgs(c, r);
}

}  // namespace inv
}  // namespace kforge

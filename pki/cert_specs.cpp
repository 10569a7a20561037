#include "pki/cert_specs.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/net.hpp"

namespace kforge::pki {

namespace {

CertSpec leaf(std::string name, std::string base, std::string ca, std::string cn, std::vector<std::string> o,
              std::vector<Usage> usages) {
  CertSpec s;
  s.name = std::move(name);
  s.baseName = std::move(base);
  s.caBaseName = std::move(ca);
  s.commonName = std::move(cn);
  s.organization = std::move(o);
  s.usages = std::move(usages);
  return s;
}

std::string canonicalIp(const std::string& text, const std::string& what) {
  auto ip = IpAddr::parse(text);
  if (!ip) throw Error(what + ": \"" + text + "\" is not an IP address");
  return ip->str();
}

// kubeadm appendSANsToAltNames: IPs, RFC 1123 subdomains and wildcards; anything else is dropped with a warning.
void appendSans(CertSpec& s, const std::vector<std::string>& sans, std::vector<std::string>* warnings) {
  for (const auto& san : sans) {
    if (auto ip = IpAddr::parse(san)) {
      s.ips.push_back(ip->str());
    } else if (isRfc1123Subdomain(san) || (san.rfind("*.", 0) == 0 && isRfc1123Subdomain(san.substr(2)))) {
      s.dnsNames.push_back(san);
    } else if (warnings) {
      warnings->push_back("'" + san + "' was not added to the '" + s.name +
                          "' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry");
    }
  }
}

// kubeadm RemoveDuplicateAltNames: DNS names sorted and unique; IPs unique keeping their order.
void normalize(CertSpec& s) {
  std::sort(s.dnsNames.begin(), s.dnsNames.end());
  s.dnsNames.erase(std::unique(s.dnsNames.begin(), s.dnsNames.end()), s.dnsNames.end());
  std::vector<std::string> ips;
  for (const auto& ip : s.ips)
    if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
  s.ips = std::move(ips);
}

std::string firstServiceIp(const Cluster& c) {
  std::string subnet = c.networking.serviceSubnet.substr(0, c.networking.serviceSubnet.find(','));
  auto cidr = Cidr::parse(subnet);
  if (!cidr) throw Error("networking.serviceSubnet: \"" + subnet + "\" is not a CIDR");
  return cidr->nth(1).str();
}

CertSpec etcdAltNames(CertSpec s, const Host& h, const std::vector<std::string>& extra,
                      std::vector<std::string>* warnings) {
  s.dnsNames = {h.name, "localhost"};
  s.ips = {canonicalIp(h.address, "host " + h.name), "127.0.0.1", "::1"};
  appendSans(s, extra, warnings);
  normalize(s);
  return s;
}

std::string hostPortUrl(const std::string& host, int port) {
  return "https://" + joinHostPort(host, port);
}

}  // namespace

std::vector<CertSpec> caSpecs() {
  std::vector<CertSpec> out;
  for (auto [name, base, cn] : {std::tuple{"ca", "ca", "kubernetes"}, {"front-proxy-ca", "front-proxy-ca", "front-proxy-ca"},
                                {"etcd-ca", "etcd/ca", "etcd-ca"}}) {
    CertSpec s;
    s.name = name;
    s.baseName = base;
    s.commonName = cn;
    s.dnsNames = {cn};  // kubeadm NewSelfSignedCACert: DNSNames = [CommonName]
    out.push_back(s);
  }
  return out;
}

const CertSpec& caSpec(const std::string& baseName) {
  static const std::vector<CertSpec> cas = caSpecs();
  for (const auto& s : cas)
    if (s.baseName == baseName) return s;
  throw Error("unknown CA " + baseName);
}

std::string caDisplayName(const std::string& caBaseName) { return caBaseName == "etcd/ca" ? "etcd-ca" : caBaseName; }

std::vector<CertSpec> hostLeafSpecs(const Cluster& c, const Host& h, std::vector<std::string>* warnings) {
  std::vector<CertSpec> out;
  const auto server = Usage::ServerAuth;
  const auto client = Usage::ClientAuth;
  bool etcdMember = c.isEtcdMember(h);
  if (h.role == Role::ControlPlane) {
    CertSpec api = leaf("apiserver", "apiserver", "ca", "kube-apiserver", {}, {server});
    api.dnsNames = {h.name, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                    "kubernetes.default.svc." + c.networking.dnsDomain};
    api.ips = {firstServiceIp(c), canonicalIp(h.address, "host " + h.name)};
    if (!c.controlPlaneEndpoint.empty()) {
      std::string host;
      int port = 0;
      if (!splitHostPort(c.controlPlaneEndpoint, host, port))
        throw Error("controlPlaneEndpoint: cannot parse \"" + c.controlPlaneEndpoint + "\"");
      if (auto ip = IpAddr::parse(host)) api.ips.push_back(ip->str());
      else api.dnsNames.push_back(host);
    }
    appendSans(api, c.apiServer.certSANs, warnings);
    normalize(api);
    out.push_back(api);
    // Until kubeadm gave it the ClusterRole system:kubelet-api-admin, the kubelet client was a cluster admin by group.
    std::vector<std::string> kubeletClientO;
    if (!apiServerKubeletClientHasOwnRole(c.kubernetesVersion)) kubeletClientO = {"kubeadm:cluster-admins"};
    out.push_back(leaf("apiserver-kubelet-client", "apiserver-kubelet-client", "ca", "kube-apiserver-kubelet-client",
                       kubeletClientO, {client}));
    out.push_back(leaf("front-proxy-client", "front-proxy-client", "front-proxy-ca", "front-proxy-client", {}, {client}));
    out.push_back(leaf("apiserver-etcd-client", "apiserver-etcd-client", "etcd/ca", "kube-apiserver-etcd-client", {},
                       {client}));
  }
  if (etcdMember) {
    out.push_back(etcdAltNames(leaf("etcd-server", "etcd/server", "etcd/ca", h.name, {}, {server, client}), h,
                               c.etcd.serverCertSANs, warnings));
    out.push_back(etcdAltNames(leaf("etcd-peer", "etcd/peer", "etcd/ca", h.name, {}, {server, client}), h,
                               c.etcd.peerCertSANs, warnings));
    out.push_back(leaf("etcd-healthcheck-client", "etcd/healthcheck-client", "etcd/ca", "kube-etcd-healthcheck-client",
                       {}, {client}));
  }
  return out;
}

bool apiServerKubeletClientHasOwnRole(const Version& k) {
  // kubeadm #138958 and its backports: 1.33.12, 1.36.1 and 1.37 (not in 1.34.0-1.34.4 nor 1.35.4, whose kubeadm
  // source still sets the group).
  if (k.major != 1) return k.major > 1;
  if (k.minor == 33) return k.patch >= 12;
  if (k.minor == 36) return k.patch >= 1;
  return k.minor >= 37;
}

bool kubeletUsesLocalApiServer(const Version& k) { return k >= Version{1, 33, 0, ""}; }

std::string endpointUrl(const Cluster& c) { return hostPortUrl(c.endpointHost(), c.endpointPort()); }

std::string localApiUrl(const Cluster& c, const Host& h) { return hostPortUrl(h.address, c.apiServer.bindPort); }

KubeconfigSpec adminKubeconfigSpec(const Cluster& c) {
  return {"admin.conf", endpointUrl(c),
          leaf("admin.conf", "admin.conf", "ca", "kubernetes-admin", {"kubeadm:cluster-admins"}, {Usage::ClientAuth})};
}

std::vector<KubeconfigSpec> hostKubeconfigSpecs(const Cluster& c, const Host& h) {
  std::vector<KubeconfigSpec> out;
  const auto client = Usage::ClientAuth;
  auto kc = [&](const std::string& file, const std::string& server, const std::string& cn,
                std::vector<std::string> o) { out.push_back({file, server, leaf(file, file, "ca", cn, std::move(o), {client})}); };
  if (h.role == Role::ControlPlane) {
    auto cps = c.controlPlaneHosts();
    kc("admin.conf", endpointUrl(c), "kubernetes-admin", {"kubeadm:cluster-admins"});
    if (!cps.empty() && cps.front()->name == h.name)
      kc("super-admin.conf", endpointUrl(c), "kubernetes-super-admin", {"system:masters"});
    // kubeadm 1.33+ (ControlPlaneKubeletLocalMode: beta and on in 1.33, GA in 1.35): a control plane's kubelet
    // talks to its own API server; before, to the control-plane endpoint.
    kc("kubelet.conf", kubeletUsesLocalApiServer(c.kubernetesVersion) ? localApiUrl(c, h) : endpointUrl(c),
       "system:node:" + h.name, {"system:nodes"});
    kc("controller-manager.conf", localApiUrl(c, h), "system:kube-controller-manager", {});
    kc("scheduler.conf", localApiUrl(c, h), "system:kube-scheduler", {});
  } else if (h.role == Role::Worker) {
    kc("kubelet.conf", endpointUrl(c), "system:node:" + h.name, {"system:nodes"});
  }
  return out;
}

}  // namespace kforge::pki

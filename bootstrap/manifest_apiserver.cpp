// kube-apiserver static pod (kubeadm: ka/phases/controlplane/manifests.go getAPIServerCommand).
#include "bootstrap/manifests.hpp"
#include "images/images.hpp"

namespace kforge {

std::string etcdServersFlag(const Cluster& c, const Host* h) {
  // Stacked: the local member on the loopback address of the host's family (kubeadm: ::1 when the advertise
  // address is IPv6, where the member listens; 127.0.0.1 would find nothing on an IPv6 host).
  if (c.etcd.topology == EtcdTopology::Stacked) return h && isIPv6(h->address) ? "https://[::1]:2379" : "https://127.0.0.1:2379";
  std::string out;
  for (const Host* h : c.etcdHosts()) {
    if (!out.empty()) out += ",";
    out += urlFor("https", h->address, 2379);
  }
  return out;
}

Flags apiServerFlags(const Cluster& c, const Host& h) {
  const std::string pki = kPkiDir;
  Flags f = {
      {"advertise-address", h.address},
      {"allow-privileged", "true"},
      {"authorization-mode", "Node,RBAC"},
      {"client-ca-file", pki + "/ca.crt"},
      {"enable-admission-plugins", "NodeRestriction"},
      {"enable-bootstrap-token-auth", "true"},
      {"etcd-cafile", pki + "/etcd/ca.crt"},
      {"etcd-certfile", pki + "/apiserver-etcd-client.crt"},
      {"etcd-keyfile", pki + "/apiserver-etcd-client.key"},
      {"etcd-servers", etcdServersFlag(c, &h)},
      {"kubelet-client-certificate", pki + "/apiserver-kubelet-client.crt"},
      {"kubelet-client-key", pki + "/apiserver-kubelet-client.key"},
      {"kubelet-preferred-address-types", "InternalIP,ExternalIP,Hostname"},
      {"proxy-client-cert-file", pki + "/front-proxy-client.crt"},
      {"proxy-client-key-file", pki + "/front-proxy-client.key"},
      {"requestheader-allowed-names", "front-proxy-client"},
      {"requestheader-client-ca-file", pki + "/front-proxy-ca.crt"},
      {"requestheader-extra-headers-prefix", "X-Remote-Extra-"},
      {"requestheader-group-headers", "X-Remote-Group"},
      {"requestheader-username-headers", "X-Remote-User"},
      {"secure-port", std::to_string(c.apiServer.bindPort)},
      {"service-account-issuer", "https://kubernetes.default.svc." + c.networking.dnsDomain},
      {"service-account-key-file", pki + "/sa.pub"},
      {"service-account-signing-key-file", pki + "/sa.key"},
      {"service-cluster-ip-range", c.networking.serviceSubnet},
      {"tls-cert-file", pki + "/apiserver.crt"},
      {"tls-private-key-file", pki + "/apiserver.key"},
  };
  return mergeFlags(std::move(f), c.apiServer.extraArgs);
}

std::string renderApiServerManifest(const Cluster& c, const Host& h, const HostFacts& facts) {
  StaticPodSpec s;
  s.name = "kube-apiserver";
  s.image = kubernetesImage(c, s.name);
  s.annotations["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] =
      joinHostPort(h.address, c.apiServer.bindPort);
  s.command = commandLine("kube-apiserver", apiServerFlags(c, h), c.apiServer.extraArgs, c.kubernetesVersion);
  const int port = c.apiServer.bindPort;
  s.liveness = HttpProbe{h.address, "/livez", port, "HTTPS"};
  s.readiness = HttpProbe{h.address, "/readyz", port, "HTTPS"};
  s.startup = HttpProbe{h.address, "/livez", port, "HTTPS"};
  s.requests = {{"cpu", "250m"}};
  s.mounts = caCertMounts(facts.presentCaCertDirs);
  s.mounts.push_back({"k8s-certs", kPkiDir, kPkiDir, "DirectoryOrCreate", true});
  setRelease(s, c.kubernetesVersion);
  s.env = c.proxy.env();  // kubeadm: its own *_PROXY environment (spec.proxy)
  return renderStaticPod(s);
}

}  // namespace kforge

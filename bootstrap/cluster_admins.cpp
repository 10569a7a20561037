// kubeadm's EnsureAdminClusterRoleBinding (ka/phases/kubeconfig/kubeconfig.go, 1.29+): admin.conf's identity
// (O=kubeadm:cluster-admins) has no rights until the ClusterRoleBinding kubeadm:cluster-admins exists, and only
// an identity with rights can create it. kubeadm tries admin.conf first; on 403 it creates the binding with
// super-admin.conf (O=system:masters, which the API server authorizes without RBAC), then goes on with
// admin.conf. The binding reaches each API server through its RBAC informer, so kforge then waits until every
// API server that answers authorizes admin.conf (a request through the load balancer may land on any of them).
#include "bootstrap/cluster_admins.hpp"

#include <thread>

#include "bootstrap/addons.hpp"
#include "bootstrap/api_probe.hpp"
#include "bootstrap/static_pod.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/net.hpp"
#include "kube/client.hpp"
#include "pki/kubeconfig.hpp"

namespace kforge {

namespace {
const char* kBindingPath = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:cluster-admins";
}

std::string superAdminConfPath(const Cluster& c, const std::string& stateDir) {
  auto cps = c.controlPlaneHosts();
  if (cps.empty()) throw Error("the inventory has no control-plane host", ExitCode::InvalidInput);
  return stateDir + "/hosts/" + cps.front()->name + "/super-admin.conf";
}

std::string ensureClusterAdmins(const Cluster& c, const std::string& stateDir, std::chrono::seconds timeout) {
  auto admin = pki::parseKubeconfig(readFile(stateDir + "/admin.conf"), "admin.conf");
  const std::string endpoint = "https://" + c.endpointHostPort();
  auto first = probeApi(admin, endpoint + kBindingPath);
  std::string did = "kubeadm:cluster-admins already bound";
  if (first.status == 403 || first.status == 404) {
    // 404 with admin.conf can only mean it already has rights to read: bind with admin.conf then (below,
    // through the addons). 403: only super-admin.conf can make the binding.
    if (first.status == 403) {
      const std::string path = superAdminConfPath(c, stateDir);
      if (!fileExists(path))
        throw Error("admin.conf has no rights yet (HTTP 403) and " + path +
                        " is missing: kforge needs super-admin.conf to create the kubeadm:cluster-admins binding",
                    ExitCode::Failure);
      auto super = kube::KubeClient::fromKubeconfig(path);
      super.apply(clusterAdminsBinding());
      did = "kubeadm:cluster-admins bound with super-admin.conf";
    } else {
      kube::KubeClient::fromKubeconfig(stateDir + "/admin.conf").apply(clusterAdminsBinding());
      did = "kubeadm:cluster-admins bound";
    }
  } else if (!first.ok()) {
    throw Error("checking the kubeadm:cluster-admins binding at " + endpoint + ": " +
                    (first.error.empty() ? "HTTP " + std::to_string(first.status) : first.error),
                ExitCode::Unreachable);
  }
  // Every API server that is ready must authorize admin.conf before kforge goes on through the endpoint.
  auto until = std::chrono::steady_clock::now() + timeout;
  for (const Host* h : c.controlPlaneHosts()) {
    const std::string base = urlFor("https", h->address, c.apiServer.bindPort);
    if (!probeApi(admin, base + "/readyz", 2000).ok()) continue;  // not serving: the LB sends it nothing
    while (true) {
      auto r = probeApi(admin, base + kBindingPath, 2000);
      if (r.ok()) break;
      if (std::chrono::steady_clock::now() > until)
        throw Error("kube-apiserver on " + h->name + " still refuses admin.conf after binding kubeadm:cluster-admins (HTTP " +
                        std::to_string(r.status) + ")",
                    ExitCode::Failure);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return did;
}

}  // namespace kforge

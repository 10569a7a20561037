// All addon objects in apply order: what must exist first (namespaces, RBAC) before what uses it.
#include "bootstrap/addons.hpp"

#include "bootstrap/addons_util.hpp"
#include "pki/cert_specs.hpp"

namespace kforge {

using nlohmann::json;

std::vector<json> addonObjects(const Cluster& c, const AddonOptions& opts) {
  std::vector<json> out;
  auto append = [&](std::vector<json> v) {
    for (auto& o : v) out.push_back(std::move(o));
  };
  // The apiserver creates both itself; listing them makes apply work against a fresh or minimal server too.
  out.push_back(addons::object("v1", "Namespace", addons::kKubeSystem));
  out.push_back(addons::object("v1", "Namespace", addons::kKubePublic));

  out.push_back(clusterAdminsBinding());
  append(bootstrapTokenRbac());
  if (pki::apiServerKubeletClientHasOwnRole(c.kubernetesVersion)) out.push_back(apiServerKubeletClientBinding());
  append(uploadConfigRbac());
  append(clusterInfoRbac());

  out.push_back(kubeadmConfigMap(c));
  out.push_back(kubeletConfigMap(c));
  out.push_back(clusterInfoConfigMap(c, opts.caPem));

  if (!opts.bootstrapToken.empty())
    out.push_back(bootstrapTokenSecret(opts.bootstrapToken, opts.tokenExpires, opts.tokenDescription));

  if (opts.kubeProxy) append(kubeProxyObjects(c));
  if (opts.coreDns) append(corednsObjects(c, opts.corednsReplicas));
  return out;
}

}  // namespace kforge

// kubeconfig files with embedded credentials, as kubeadm writes them (one cluster, one user, one context
// "<user>@<cluster>", current-context set). Rendering is deterministic: same inputs, same bytes.
#pragma once
#include <string>

#include "core/version.hpp"

namespace kforge::pki {

struct Kubeconfig {
  std::string clusterName;  // Cluster::clusterName ("kubernetes")
  std::string server;       // https://host:port
  std::string caPem;        // certificate-authority-data (decoded)
  std::string userName;     // the client certificate's CN
  std::string certPem;      // client-certificate-data (decoded)
  std::string keyPem;       // client-key-data (decoded)
  // "preferences: {}": client-go wrote the (deprecated) empty preferences until it became omitzero in 1.34.
  bool withPreferences = true;
  std::string contextName() const { return userName + "@" + clusterName; }
};

// Whether kubeadm of this release writes "preferences: {}" in kubeconfigs (before 1.34).
bool kubeconfigHasPreferences(const Version& kubernetes);
// Laid out as client-go's clientcmd.Write (keys sorted, block sequences not indented under their key).
std::string renderKubeconfig(const Kubeconfig& kc);
// Reads the current context's cluster and user (or the first ones), and whether it has preferences (renewal
// keeps the layout). Throws kforge::Error naming `what`.
Kubeconfig parseKubeconfig(const std::string& yaml, const std::string& what);

}  // namespace kforge::pki

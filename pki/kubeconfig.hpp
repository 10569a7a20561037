// kubeconfig files with embedded credentials, as kubeadm writes them (one cluster, one user, one context
// "<user>@<cluster>", current-context set). Rendering is deterministic: same inputs, same bytes.
#pragma once
#include <string>

namespace kforge::pki {

struct Kubeconfig {
  std::string clusterName;  // Cluster::clusterName ("kubernetes")
  std::string server;       // https://host:port
  std::string caPem;        // certificate-authority-data (decoded)
  std::string userName;     // the client certificate's CN
  std::string certPem;      // client-certificate-data (decoded)
  std::string keyPem;       // client-key-data (decoded)
  std::string contextName() const { return userName + "@" + clusterName; }
};

std::string renderKubeconfig(const Kubeconfig& kc);
// Reads the current context's cluster and user (or the first ones). Throws kforge::Error naming `what`.
Kubeconfig parseKubeconfig(const std::string& yaml, const std::string& what);

}  // namespace kforge::pki

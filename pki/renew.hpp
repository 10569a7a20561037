// `certs renew <name|all>` on one node layout: new key, same CN/O/SANs/EKU, signed by the local CA. Never renews CAs;
// a certificate whose CA key is absent (external CA) is left alone with kubeadm's message.
#pragma once
#include <ctime>
#include <string>
#include <vector>

#include "pki/node_layout.hpp"

namespace kforge::pki {

struct RenewOutcome {
  std::vector<std::string> messages;  // kubeadm-style lines, in order ("certificate for serving etcd renewed")
  std::vector<std::string> renewed;   // names renewed
  std::vector<std::string> external;  // names left alone: their CA key is not here
  std::vector<std::string> missing;   // names expected on this node but absent
  std::vector<std::string> restart;   // components to restart (kube-apiserver, kube-controller-manager, kube-scheduler, etcd)
};

// Names `renew` accepts besides "all" (kubeadm's, sorted).
std::vector<std::string> renewableNames();
// which = "all" or one name. The new certificate keeps the old one's validity period (NotAfter - NotBefore - 5 min,
// in whole days) and key algorithm. Throws kforge::Error for an unknown name or unreadable files.
RenewOutcome renewCerts(const NodeLayout& layout, const std::string& which, std::time_t now);
// "Done renewing certificates. You must restart the kube-apiserver, ... and etcd, so that they can use the new
// certificates." (or what to do when nothing needs a restart).
std::string renewSummary(const RenewOutcome& o);

}  // namespace kforge::pki

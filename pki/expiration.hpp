// `certs check-expiration`: kubeadm's two tables (certificates, certificate authorities) for one node.
#pragma once
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "pki/node_layout.hpp"

namespace kforge::pki {

struct ExpirationEntry {
  std::string name;    // "apiserver", "admin.conf", "etcd-ca"
  bool missing = false;
  std::time_t expires = 0;
  std::string caName;  // display name of the signing CA (certificates only)
  bool externallyManaged = false;
};

struct ExpirationInfo {
  std::vector<ExpirationEntry> certificates;
  std::vector<ExpirationEntry> certificateAuthorities;
};

ExpirationInfo checkExpiration(const NodeLayout& layout);
// kubeadm's text output (Go tabwriter minwidth 10, padding 3; "Jan 02, 2006 15:04 UTC"; residual "364d"/"9y").
std::string renderExpirationText(const ExpirationInfo& info, std::time_t now);
// kubeadm's -o json (output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo).
std::string renderExpirationJson(const ExpirationInfo& info, std::time_t now);

// k8s.io/apimachinery duration.ShortHumanDuration of a number of seconds.
std::string shortHumanDuration(std::int64_t seconds);
// Go's text/tabwriter with padchar ' ' and no flags: '\t'-separated cells, '\n'-terminated lines.
std::string goTabwriter(const std::string& text, int minwidth, int padding);

}  // namespace kforge::pki

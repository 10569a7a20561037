// `kforge certs check-expiration -f INV`: every certificate and every kubeconfig's client certificate as the
// HOSTS hold them (not as the state dir says), read with ONE remote command per host, compared with the state
// dir. Private keys never leave a host: the script prints certificate files, the client-certificate-data line
// of each kubeconfig (decoded on the host) and only the names of the CA keys present (for kubeadm's
// "EXTERNALLY MANAGED" column).
#pragma once
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "pki/expiration.hpp"

namespace kforge {

// The remote POSIX sh script.
std::string hostCertsScript();

struct HostCerts {
  std::map<std::string, std::string> pems;  // path relative to /etc/kubernetes ("pki/apiserver.crt", "admin.conf") -> PEM
  std::set<std::string> caKeys;             // "pki/ca.key", ... present on the host
};
HostCerts parseHostCerts(const std::string& output);

struct HostCertRow {
  std::string name;        // kubeadm's row name ("apiserver", "admin.conf", "ca"), plus "kubelet.conf"
  bool ca = false;
  bool missing = false;    // not on the host
  std::time_t expires = 0;
  std::string caName;
  bool externallyManaged = false;
  std::string serial;          // on the host
  std::string stateSerial;     // in the state dir ("" = the state dir has none)
  bool differs() const { return !missing && !stateSerial.empty() && serial != stateSerial; }
};

struct HostCertReport {
  std::string host;
  std::vector<HostCertRow> rows;  // kubeadm's certificate rows (+ kubelet.conf), then its CA rows
  pki::ExpirationInfo info() const;  // for kubeadm's tables
};

// kubeadm's rows for h's role (control plane: all; etcd host: the etcd ones; worker: none) plus kubelet.conf
// where a kubelet runs, from what the host holds, each compared with the state dir's copy.
HostCertReport hostCertReport(const Cluster& c, const Host& h, const HostCerts& onHost, const std::string& stateDir);

// Days left (negative: expired) of every present row of every report within warnDays: "tb3/front-proxy-client".
std::vector<std::string> expiringWithin(const std::vector<HostCertReport>& reports, std::time_t now, int warnDays);

// The Prometheus textfile (node_exporter's textfile collector): days left per certificate per host, whether the
// host's certificate differs from the state dir's, and when the check ran.
std::string certMetrics(const std::string& cluster, const std::vector<HostCertReport>& reports, std::time_t now);

}  // namespace kforge

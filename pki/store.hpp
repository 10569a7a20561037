// The cluster's PKI in the state directory, made idempotently, and the per-host file sets built from it.
//
// Layout (docs/pki.md):
//   <stateDir>/pki/{ca,front-proxy-ca,etcd/ca}.{crt,key}, sa.key, sa.pub      shared: CAs and service-account keys
//   <stateDir>/hosts/<host>/pki/<base>.{crt,key}                             that host's leaf certificates
//   <stateDir>/hosts/<host>/<name>.conf                                      that host's kubeconfigs
//   <stateDir>/admin.conf                                                    the admin kubeconfig handed to users
// Directories are 0700 (they hold private keys), keys, sa.pub and kubeconfigs 0600, certificates 0644.
#pragma once
#include <ctime>
#include <string>
#include <vector>

#include "core/file_set.hpp"
#include "core/inventory.hpp"

namespace kforge::pki {

struct Change {
  std::string file;    // relative to the state dir, e.g. "hosts/cp1/pki/apiserver.crt"
  std::string reason;  // why it was re-issued
};

struct Report {
  std::vector<std::string> created;  // files that did not exist (relative to the state dir)
  std::vector<Change> reissued;      // files replaced, with the reason
  std::vector<std::string> kept;     // files left byte for byte as they were
  std::vector<std::string> warnings; // e.g. a CA close to expiry, an invalid extra SAN dropped
};

// Makes sure the state dir holds every CA, key, certificate and kubeconfig the cluster needs, as of `now`.
// Keeps CAs and still-good leaves byte for byte. Re-issues a leaf (new key) when it is missing, unreadable, expires
// within pki.renewBeforeDays, no longer matches its spec (subject, EKU, SANs), has another key algorithm than
// pki.keyAlgorithm, or is not signed by the current CA. Kubeconfigs whose certificate is fine but whose other
// content differs (server, cluster name, CA) are rewritten with the same certificate and key.
// External CA (<ca>.crt without <ca>.key): never generated or replaced; existing leaves must chain to it; a leaf that
// would need issuing is an error naming the file to provide. Keys are generated in parallel
// (std::thread::hardware_concurrency() threads); signing and output are in a fixed order.
Report ensurePki(const Cluster& c, const std::string& stateDir, std::time_t now);

// Exactly the PKI files `host` gets (absolute host paths under /etc/kubernetes, modes as kubeadm), read from the
// state dir filled by ensurePki. CA keys are included only when present (an external CA ships no key).
FileSet hostPkiFiles(const Cluster& c, const Host& host, const std::string& stateDir);

}  // namespace kforge::pki

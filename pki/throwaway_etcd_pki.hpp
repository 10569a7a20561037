// A CA, one etcd server certificate and one client certificate made for a single throwaway etcd (the backup
// restore drill) and for nothing else: fresh ECDSA P-256 keys, valid for one day, never stored with the cluster's
// PKI. Whoever holds none of these keys can neither read that etcd nor pose as it.
#pragma once
#include <ctime>
#include <string>

namespace kforge::pki {

struct ThrowawayEtcdPki {
  std::string caFile;      // the CA certificate (its key is never written anywhere)
  std::string serverCert;  // serverAuth + clientAuth (etcd also uses it for its peer listener), SAN = the IP
  std::string serverKey;
  std::string clientCert;  // clientAuth
  std::string clientKey;
};

// Writes ca.crt, server.{crt,key} and client.{crt,key} into `dir`, which must be a private (0700) directory:
// keys 0600, certificates 0644. `ip` is the address the etcd listens on.
ThrowawayEtcdPki writeThrowawayEtcdPki(const std::string& dir, const std::string& ip, std::time_t now);

}  // namespace kforge::pki

// Bootstrap tokens and the join discovery hash (kubeadm.md §8).
#pragma once
#include <string>

#include "pki/ossl.hpp"

namespace kforge::pki {

// "[a-z0-9]{6}.[a-z0-9]{16}" from RAND_bytes (uniform over the 36 characters).
std::string generateBootstrapToken();
bool isBootstrapToken(const std::string& s);
// "sha256:" + lowercase hex SHA-256 of the CA certificate's DER SubjectPublicKeyInfo.
std::string discoveryHash(X509* caCert);
std::string discoveryHashFromPem(const std::string& caPem);

}  // namespace kforge::pki

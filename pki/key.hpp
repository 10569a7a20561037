// Private keys: generation for the inventory's pki.keyAlgorithm and the PEM encodings kubeadm writes
// (RSA: PKCS#1 "RSA PRIVATE KEY"; ECDSA: SEC1 "EC PRIVATE KEY"; public keys: PKIX "PUBLIC KEY").
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "pki/ossl.hpp"

namespace kforge::pki {

Pkey generateKey(KeyAlgorithm alg);
// Generates one key per entry of algs over `threads` worker threads (0 = std::thread::hardware_concurrency()).
// Result i belongs to algs[i] whatever thread made it, so callers can sign in a fixed order.
std::vector<Pkey> generateKeys(const std::vector<KeyAlgorithm>& algs, unsigned threads = 0);

std::string privateKeyPem(EVP_PKEY* key);  // PKCS#1 / SEC1, as kubeadm (client-go keyutil) writes them
std::string publicKeyPem(EVP_PKEY* key);   // PKIX SubjectPublicKeyInfo, "PUBLIC KEY"
// Parses any unencrypted PEM private key (PKCS#1, SEC1 or PKCS#8). Throws kforge::Error naming `what`.
Pkey parsePrivateKeyPem(const std::string& pem, const std::string& what);
Pkey parsePublicKeyPem(const std::string& pem, const std::string& what);

// The algorithm of a key, when it is one kforge issues (RSA 2048/3072/4096, ECDSA P-256).
std::optional<KeyAlgorithm> keyAlgorithmOf(EVP_PKEY* key);
// True when both keys hold the same public key.
bool samePublicKey(EVP_PKEY* a, EVP_PKEY* b);

}  // namespace kforge::pki

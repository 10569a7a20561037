#include "pki/key.hpp"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "core/error.hpp"

namespace kforge::pki {

Pkey generateKey(KeyAlgorithm alg) {
  EVP_PKEY* k = nullptr;
  switch (alg) {
    case KeyAlgorithm::Rsa2048: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}); break;
    case KeyAlgorithm::Rsa3072: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072}); break;
    case KeyAlgorithm::Rsa4096: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096}); break;
    case KeyAlgorithm::EcdsaP256: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
  }
  if (!k) throwSsl("cannot generate " + toString(alg) + " key");
  return wrap(k);
}

std::vector<Pkey> generateKeys(const std::vector<KeyAlgorithm>& algs, unsigned threads) {
  std::vector<Pkey> out(algs.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, algs.size()));
  if (threads <= 1) {
    for (size_t i = 0; i < algs.size(); ++i) out[i] = generateKey(algs[i]);
    return out;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex mu;
  auto worker = [&] {
    for (size_t i = next++; i < algs.size(); i = next++) {
      try {
        out[i] = generateKey(algs[i]);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
        next = algs.size();
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

std::string privateKeyPem(EVP_PKEY* key) {
  BioPtr b(BIO_new(BIO_s_mem()));
  // "Traditional" = the type-specific structure: PKCS#1 for RSA, SEC1 (named curve + public key) for EC.
  if (!b || !PEM_write_bio_PrivateKey_traditional(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
    throwSsl("cannot encode private key");
  return bioString(b.get());
}

std::string publicKeyPem(EVP_PKEY* key) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || !PEM_write_bio_PUBKEY(b.get(), key)) throwSsl("cannot encode public key");
  return bioString(b.get());
}

Pkey parsePrivateKeyPem(const std::string& pem, const std::string& what) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!k) throwSsl("cannot parse private key " + what);
  return wrap(k);
}

Pkey parsePublicKeyPem(const std::string& pem, const std::string& what) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = b ? PEM_read_bio_PUBKEY(b.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!k) throwSsl("cannot parse public key " + what);
  return wrap(k);
}

std::optional<KeyAlgorithm> keyAlgorithmOf(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    switch (EVP_PKEY_get_bits(key)) {
      case 2048: return KeyAlgorithm::Rsa2048;
      case 3072: return KeyAlgorithm::Rsa3072;
      case 4096: return KeyAlgorithm::Rsa4096;
      default: return std::nullopt;
    }
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) &&
        (std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "P-256") == 0))
      return KeyAlgorithm::EcdsaP256;
  }
  return std::nullopt;
}

bool samePublicKey(EVP_PKEY* a, EVP_PKEY* b) { return EVP_PKEY_eq(a, b) == 1; }

}  // namespace kforge::pki

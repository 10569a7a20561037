// RAII owners for OpenSSL objects and the error helper every pki/ file uses.
#pragma once
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace kforge::pki {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct BioFree { void operator()(BIO* p) const { BIO_free_all(p); } };

// Keys and certificates are shared (read-only after creation) between the keygen workers, the signer and the
// file writers; EVP_PKEY and X509 are reference counted by OpenSSL, shared_ptr keeps that simple here.
using Pkey = std::shared_ptr<EVP_PKEY>;
using Cert = std::shared_ptr<X509>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

inline Pkey wrap(EVP_PKEY* p) { return Pkey(p, PkeyFree{}); }
inline Cert wrap(X509* p) { return Cert(p, X509Free{}); }

// Throws kforge::Error("<what>: <OpenSSL error queue>") and clears the queue.
[[noreturn]] void throwSsl(const std::string& what);

// The bytes written to a memory BIO.
std::string bioString(BIO* b);

}  // namespace kforge::pki

namespace kforge::pki {
}  // namespace kforge::pki

#include "pki/token.hpp"

#include <openssl/rand.h>


#include "pki/cert.hpp"

namespace kforge::pki {

namespace {
std::string randomChars(size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  unsigned char buf[32];
  while (out.size() < n) {
    if (RAND_bytes(buf, sizeof buf) != 1) throwSsl("RAND_bytes failed");
    for (unsigned char b : buf) {
      if (b >= 252) continue;  // 252 = 7 * 36: reject so every character is equally likely
      out += kAlphabet[b % 36];
      if (out.size() == n) break;
    }
  }
  return out;
}
}  // namespace

std::string generateBootstrapToken() { return randomChars(6) + "." + randomChars(16); }

bool isBootstrapToken(const std::string& s) {  // [a-z0-9]{6}\.[a-z0-9]{16}, as a plain loop (no std::regex)
  if (s.size() != 23 || s[6] != '.') return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (i != 6 && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) return false;
  return true;
}

std::string discoveryHash(X509* caCert) {
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(caCert), &der);
  if (len <= 0) throwSsl("cannot encode CA public key");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdLen = 0;
  int ok = EVP_Digest(der, static_cast<size_t>(len), md, &mdLen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (!ok) throwSsl("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < mdLen; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string discoveryHashFromPem(const std::string& caPem) {
  return discoveryHash(parseCertPem(caPem, "CA certificate").get());
}

}  // namespace kforge::pki

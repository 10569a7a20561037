#include "ssh/host_key.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdint>

#include "core/base64.hpp"
#include "core/error.hpp"

namespace kforge::ssh {

std::string sha256Fingerprint(std::string_view blob) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(blob.data(), blob.size(), md, &len, EVP_sha256(), nullptr)) throw Error("sha256 failed");
  std::string b64 = base64Encode(std::string_view(reinterpret_cast<const char*>(md), len));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

HostKey HostKey::fromBlob(std::string blob) {
  if (blob.size() < 4) throw Error("malformed SSH public key (too short)");
  auto u = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(blob[i])); };
  uint32_t n = (u(0) << 24) | (u(1) << 16) | (u(2) << 8) | u(3);
  if (n == 0 || n > 64 || 4 + n > blob.size()) throw Error("malformed SSH public key (bad type name)");
  HostKey k;
  k.type = blob.substr(4, n);
  k.blob = std::move(blob);
  return k;
}

std::string HostKey::fingerprint() const { return sha256Fingerprint(blob); }
std::string HostKey::publicLine() const { return type + " " + base64Encode(blob); }

std::string knownHostsName(const std::string& host, int port) {
  if (port == 22 || port <= 0) return host;
  return "[" + host + "]:" + std::to_string(port);
}

static std::string hmacSha1(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), md, &len))
    throw Error("HMAC-SHA1 failed");
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string hashKnownHostsName(const std::string& name, std::string salt) {
  if (salt.empty()) {
    salt.assign(20, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 20) != 1) throw Error("RAND_bytes failed");
  }
  return "|1|" + base64Encode(salt) + "|" + base64Encode(hmacSha1(salt, name));
}

bool hashedNameMatches(std::string_view field, const std::string& name) {
  if (field.substr(0, 3) != "|1|") return false;
  field.remove_prefix(3);
  size_t bar = field.find('|');
  if (bar == std::string_view::npos) return false;
  std::string salt, hash;
  if (!base64Decode(field.substr(0, bar), salt) || !base64Decode(field.substr(bar + 1), hash)) return false;
  return hmacSha1(salt, name) == hash;
}

std::string knownHostsLine(const std::string& host, int port, const HostKey& key, bool hashed) {
  std::string name = knownHostsName(host, port);
  return (hashed ? hashKnownHostsName(name) : name) + " " + key.publicLine();
}

}  // namespace kforge::ssh

#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace kforge {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
Sha256::Sha256(const Sha256& other) : ctx_(EVP_MD_CTX_new()) { EVP_MD_CTX_copy_ex(ctx_, other.ctx_); }
Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }
void Sha256::update(const void* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }

std::string Sha256::digest() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256::hexDigest() { return toHex(digest()); }

std::string toHex(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

std::string sha256Hex(std::string_view data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.hexDigest();
}

std::string sha256FileHex(const std::string& path, size_t limit) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error("cannot read " + path + ": " + std::strerror(errno));
  Sha256 h;
  std::vector<char> buf(1 << 20);
  size_t left = limit;
  while (left > 0) {
    size_t want = std::min(buf.size(), left);
    size_t n = std::fread(buf.data(), 1, want, f);
    if (n == 0) break;
    h.update(buf.data(), n);
    if (left != std::string::npos) left -= n;
  }
  bool err = std::ferror(f);
  std::fclose(f);
  if (err) throw Error("error reading " + path);
  return h.hexDigest();
}

}  // namespace kforge

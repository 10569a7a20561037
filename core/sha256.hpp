// SHA-256 through OpenSSL's EVP API: incremental, of a string, and of a file (streamed, flat memory).
#pragma once
#include <memory>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace kforge {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  void update(const void* data, size_t n);
  Sha256(const Sha256& other);  // copies the state: hash a common prefix once, then finish two ways
  Sha256& operator=(const Sha256&) = delete;
  std::string digest();     // 32 raw bytes; the object cannot be updated afterwards
  std::string hexDigest();  // 64 lowercase hex chars

 private:
  EVP_MD_CTX* ctx_;
};

std::string sha256Hex(std::string_view data);
// Hash of the first `limit` bytes of a file (all of it when limit is npos). Throws kforge::Error on I/O errors.
std::string sha256FileHex(const std::string& path, size_t limit = std::string::npos);
std::string toHex(std::string_view bytes);

}  // namespace kforge

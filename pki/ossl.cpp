#include "pki/ossl.hpp"

#include <openssl/err.h>

#include "core/error.hpp"

namespace kforge::pki {

void throwSsl(const std::string& what) {
  std::string detail;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  throw Error(detail.empty() ? what : what + ": " + detail);
}

std::string bioString(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace kforge::pki

namespace kforge::pki {

std::string base64Encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64Decode(const std::string& s, const std::string& what) {
  std::string in;
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') in += c;
  if (in.size() % 4 != 0) throw Error("invalid base64 in " + what);
  if (in.empty()) return {};
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) throw Error("invalid base64 in " + what);
  size_t pad = 0;  // EVP_DecodeBlock counts the '=' padding as zero bytes
  if (in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace kforge::pki

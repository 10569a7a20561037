#include "core/base64.hpp"

#include <openssl/evp.h>

#include "core/error.hpp"

namespace kforge {

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

bool base64Decode(std::string_view text, std::string& out) {
  std::string in;
  in.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!ok) return false;
    in += c;
  }
  if (in.size() % 4 != 0) return false;
  out.assign(in.size() / 4 * 3, '\0');
  if (in.empty()) return true;
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t pad = 0;  // EVP_DecodeBlock counts the '=' padding as zero bytes
  if (in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

std::string base64DecodeOrThrow(std::string_view text, const std::string& what) {
  std::string out;
  if (!base64Decode(text, out)) throw Error("invalid base64 in " + what);
  return out;
}

}  // namespace kforge

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

}  // namespace kforge::pki

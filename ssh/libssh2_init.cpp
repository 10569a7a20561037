#include "ssh/libssh2_init.hpp"

#include <libssh2.h>

#include <mutex>

#include "core/error.hpp"

namespace kforge::ssh {

void ensureLibssh2() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = libssh2_init(0); });
  if (rc != 0) throw Error("libssh2_init failed (" + std::to_string(rc) + ")");
}

}  // namespace kforge::ssh

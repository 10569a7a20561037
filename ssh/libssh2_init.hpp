// One-time, thread-safe libssh2_init for the process.
#pragma once

namespace kforge::ssh {
void ensureLibssh2();
}

// The current UTC time formatted with strftime(3): "%Y-%m-%dT%H:%M:%SZ" for RFC 3339 stamps, "%Y%m%d-%H%M%S"
// for names of directories and backups.
#pragma once
#include <string>

namespace kforge {

std::string utcNow(const char* format);

}  // namespace kforge

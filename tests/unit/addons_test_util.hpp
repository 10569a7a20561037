// Fixed inputs for the addon object tests (unit goldens and the kubectl tool test).
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bootstrap/addons.hpp"

namespace kforge::testaddons {

// Not a real certificate: the goldens only need stable bytes.
inline const std::string kFakeCaPem =
    "-----BEGIN CERTIFICATE-----\nMIIBfakeCAforkforgegoldentests\n-----END CERTIFICATE-----\n";

inline AddonOptions options() {
  AddonOptions o;
  o.caPem = kFakeCaPem;
  o.bootstrapToken = "abcdef.0123456789abcdef";
  o.tokenExpires = std::chrono::system_clock::time_point(std::chrono::seconds(1893456000));  // 2030-01-01T00:00:00Z
  return o;
}

// The whole list as the golden file holds it.
inline std::string dumpAll(const std::vector<nlohmann::json>& objects) {
  return nlohmann::json(objects).dump(2) + "\n";
}

}  // namespace kforge::testaddons

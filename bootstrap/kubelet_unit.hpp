#pragma once
#include <string>

#include "core/inventory.hpp"

namespace kforge {

inline constexpr const char* kKubeletUnitPath = "/etc/systemd/system/kubelet.service";

// The kubelet unit for host h; kubeletPath is where the facts found the kubelet binary.
std::string renderKubeletUnit(const Cluster& c, const Host& h, const std::string& kubeletPath);

}  // namespace kforge

// What apply and restore share about preflight: the --ignore-preflight-errors list (kubeadm's names, any case,
// comma-separated or repeated, or "all").
#pragma once
#include <set>
#include <string>
#include <vector>

#include "bootstrap/preflight.hpp"

namespace kforge::cli {

std::set<std::string> preflightIgnoreSet(const std::vector<std::string>& flags);
// Stopping on errors: kforge::stopOnPreflightErrors (bootstrap/preflight.hpp).

}  // namespace kforge::cli

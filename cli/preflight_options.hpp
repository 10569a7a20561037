// What apply and restore share about preflight: the --ignore-preflight-errors list (kubeadm's names, any case,
// comma-separated or repeated, or "all") and stopping before any change when a check failed.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "bootstrap/preflight.hpp"

namespace kforge::cli {

std::set<std::string> preflightIgnoreSet(const std::vector<std::string>& flags);
// Prints every finding to stderr; throws kforge::Error (ExitCode::Preflight) when one is an error.
void stopOnPreflightErrors(const std::vector<PreflightFinding>& findings);

}  // namespace kforge::cli

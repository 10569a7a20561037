// Preflight: kubeadm's checks (same names, `[ERROR Name]` / `[WARNING Name]`) over the observed facts, run on
// every host before any change. Errors stop the run (exit 4) unless ignored with --ignore-preflight-errors
// (names or "all"), as in kubeadm.
//
// Where kforge differs from kubeadm, on purpose: kforge is idempotent, so files and ports that belong to
// components kforge already runs on that host (their manifest or unit is there) are not errors; the planner
// compares them instead. Files that are there without kforge's components are still errors.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "bootstrap/facts.hpp"
#include "core/inventory.hpp"

namespace kforge {

struct PreflightFinding {
  std::string host;
  std::string name;  // kubeadm's check name, e.g. "Port-6443", "Swap", "FileContent--proc-sys-net-ipv4-ip_forward"
  std::string message;
  bool error = true;  // false = warning
  bool ignored = false;
  std::string str() const;  // "[ERROR Swap]: cp1: running with swap on is not supported..."
};

std::vector<PreflightFinding> preflightHost(const Cluster& c, const Host& h, const NodeFacts& f,
                                            const std::set<std::string>& ignore);
// True when any finding is an error that was not ignored.
bool preflightFailed(const std::vector<PreflightFinding>& findings);
// Prints every finding to stderr; throws kforge::Error (ExitCode::Preflight) when one is an error.
void stopOnPreflightErrors(const std::vector<PreflightFinding>& findings);

}  // namespace kforge

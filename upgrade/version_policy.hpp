// kforge upgrade's version policy: kubeadm's skew rules (reference/upgrade.md §1, ka/phases/upgrade/policy.go)
// plus chaining. Pure functions of versions; the gate feeds them what it observed.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/version.hpp"

namespace kforge::upgrade {

// The control-plane releases an upgrade from `current` to `target` passes through, in order, ending with
// `target`: one minor per hop (kubeadm refuses more), each intermediate hop at the newest patch of its minor in
// kforge's catalog. A patch upgrade or a one-minor step is a single hop.
// Throws kforge::Error (ExitCode::InvalidInput), changing nothing, when:
//   - target is not in the catalog (the message lists the catalog);
//   - target is older than current (a downgrade: kubeadm and k0sctl refuse them too; the way back is a restore of
//     the backup taken before the upgrade);
//   - target is more than one minor ahead and chaining was not asked for (the message names the hops);
//   - an intermediate minor has no release in the catalog.
// target == current gives no hops.
std::vector<Version> upgradeHops(const Version& current, const Version& target, bool allowChain);

// One kubelet as observed: node name and its reported version.
struct KubeletVersion {
  std::string node;
  Version version;
};

// kubeadm's kubelet skew rules against a control plane that will run `target`, before anything changes:
// no kubelet may be newer than the oldest API server (`oldestApiServer`), nor more than 3 minors older than
// `target` (MinimumKubeletVersion = target minor - 3). Returns one finding per offending node
// ("w1: kubelet v1.32.4 is 4 minors older than v1.36.3; upgrade it to at least v1.33 first"), empty when fine.
std::vector<std::string> kubeletSkewFindings(const std::vector<KubeletVersion>& kubelets, const Version& oldestApiServer,
                                             const Version& target);

}  // namespace kforge::upgrade

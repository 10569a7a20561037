#include "upgrade/version_policy.hpp"

#include "core/error.hpp"
#include "core/version_catalog.hpp"

namespace kforge::upgrade {

namespace {

// The newest catalog release of a minor, or nullopt.
std::optional<Version> newestOfMinor(int major, int minor) {
  std::optional<Version> best;
  for (const auto& r : versionCatalog())
    if (r.to.major == major && r.to.minor == minor && (!best || *best < r.to)) best = r.to;
  return best;
}

}  // namespace

std::vector<Version> upgradeHops(const Version& current, const Version& target, bool allowChain) {
  componentTags(target);  // throws with the catalog's list when the target is unknown
  if (target < current)
    throw Error("refusing to downgrade from " + current.str() + " to " + target.str() +
                    ": kforge, like kubeadm, only upgrades (to go back, --allow-downgrade plans a restore of the backup "
                    "taken before the upgrade; every write since is lost)",
                ExitCode::InvalidInput);
  if (target == current) return {};
  if (target.major != current.major)
    throw Error("upgrading across major versions (" + current.str() + " to " + target.str() + ") is not supported",
                ExitCode::InvalidInput);
  std::vector<Version> hops;
  for (int m = current.minor + 1; m < target.minor; ++m) {
    auto v = newestOfMinor(current.major, m);
    if (!v)
      throw Error("cannot chain from " + current.str() + " to " + target.str() + ": kforge's catalog has no v" +
                      std::to_string(current.major) + "." + std::to_string(m) + " release to pass through",
                  ExitCode::InvalidInput);
    hops.push_back(*v);
  }
  hops.push_back(target);
  if (hops.size() > 1 && !allowChain) {
    std::string names;
    for (const auto& h : hops) names += (names.empty() ? "" : " -> ") + h.str();
    throw Error("the control plane moves one minor at a time: " + current.str() + " to " + target.str() + " skips " +
                    std::to_string(hops.size() - 1) + " minor(s); plan the hops " + current.str() + " -> " + names +
                    " with --chain, or upgrade to " + hops.front().str() + " first",
                ExitCode::InvalidInput);
  }
  return hops;
}

std::vector<std::string> kubeletSkewFindings(const std::vector<KubeletVersion>& kubelets, const Version& oldestApiServer,
                                             const Version& target) {
  std::vector<std::string> out;
  for (const auto& k : kubelets) {
    const Version& v = k.version;
    if (v.major != target.major) {
      out.push_back(k.node + ": kubelet " + v.str() + " is of another major version than " + target.str());
      continue;
    }
    if (oldestApiServer < v)
      out.push_back(k.node + ": kubelet " + v.str() + " is newer than the API server " + oldestApiServer.str() +
                    " (kubelets must never be newer than any API server)");
    if (target.minor - v.minor > 3)
      out.push_back(k.node + ": kubelet " + v.str() + " is " + std::to_string(target.minor - v.minor) +
                    " minors older than " + target.str() + " (at most 3 are supported); upgrade it to at least v" +
                    std::to_string(target.major) + "." + std::to_string(target.minor - 3) + " first");
  }
  return out;
}

}  // namespace kforge::upgrade

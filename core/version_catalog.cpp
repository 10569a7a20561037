#include "core/version_catalog.hpp"

#include "core/error.hpp"

namespace kforge {

namespace {
Version v(int minor, int patch) { return Version{1, minor, patch, ""}; }
}  // namespace

// Source: kubeadm's defaults per release (cmd/kubeadm/app/constants: SupportedEtcdVersion / CoreDNSVersion /
// PauseVersion as shipped in each patch release), cross-checked against the per-release image lists
// `kubeadm config images list` printed (kubernetes/minikube pkg/minikube/constants/constants_kubeadm_images.go).
// Later patches (1.29.11+, 1.30.7+, 1.31.3+, 1.32.1+) are deliberately absent until their defaults are
// verified: a wrong etcd tag here would make upgrades pick the wrong etcd. Add rows only from the source.
const std::vector<CatalogRange>& versionCatalog() {
  static const std::vector<CatalogRange> catalog = {
      {v(29, 0), v(29, 2), {"3.5.10-0", "v1.11.1", "3.9"}},
      {v(29, 3), v(29, 8), {"3.5.12-0", "v1.11.1", "3.9"}},
      {v(29, 9), v(29, 10), {"3.5.15-0", "v1.11.1", "3.9"}},
      {v(30, 0), v(30, 4), {"3.5.12-0", "v1.11.1", "3.9"}},
      {v(30, 5), v(30, 6), {"3.5.15-0", "v1.11.3", "3.9"}},
      {v(31, 0), v(31, 0), {"3.5.15-0", "v1.11.1", "3.10"}},
      {v(31, 1), v(31, 2), {"3.5.15-0", "v1.11.3", "3.10"}},
      {v(32, 0), v(32, 0), {"3.5.16-0", "v1.11.3", "3.10"}},
  };
  return catalog;
}

std::optional<ComponentTags> findComponentTags(const Version& k) {
  if (!k.isRelease()) return std::nullopt;
  for (const auto& r : versionCatalog())
    if (r.from <= k && k <= r.to) return r.tags;
  return std::nullopt;
}

bool isSupportedKubernetesVersion(const Version& k) { return findComponentTags(k).has_value(); }

std::string supportedVersionsText() {
  // Merge consecutive rows of the same minor into one "first–last" span.
  std::string out;
  const auto& cat = versionCatalog();
  for (size_t i = 0; i < cat.size();) {
    Version first = cat[i].from, last = cat[i].to;
    size_t j = i + 1;
    while (j < cat.size() && cat[j].from.minor == first.minor) last = cat[j++].to;
    if (!out.empty()) out += ", ";
    out += first.str();
    if (!(first == last)) out += "\u2013" + last.str();
    i = j;
  }
  return out;
}

ComponentTags componentTags(const Version& k) {
  if (auto t = findComponentTags(k)) return *t;
  throw Error("Kubernetes " + k.str() + " is not in kforge's version catalog (supported: " + supportedVersionsText() +
                  ")",
              ExitCode::InvalidInput);
}

}  // namespace kforge

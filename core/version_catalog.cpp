#include "core/version_catalog.hpp"

#include "core/error.hpp"

namespace kforge {

namespace {
Version v(int minor, int patch) { return Version{1, minor, patch, ""}; }
}  // namespace

// Source: kubeadm's defaults per release (cmd/kubeadm/app/constants: SupportedEtcdVersion / CoreDNSVersion /
// PauseVersion as shipped in each patch release), cross-checked against the per-release image lists
// `kubeadm config images list` printed (kubernetes/minikube pkg/minikube/constants/constants_kubeadm_images.go).
// 1.32.2 and later: read from k8s.io/kubernetes@<release>/cmd/kubeadm/app/constants/constants.go in the Go
// module cache (the etcd tag kubeadm's EtcdSupportedVersion picks for the release's minor), and for the pinned
// testbed releases (tests/upstream) checked against the real `kubeadm config images list`.
// A range spans only patches between two releases whose source was read and that agree; patches after the
// newest one read are absent (1.32.14+, 1.33.14+, 1.34.5+, 1.35.0-1.35.3, 1.35.5+, 1.36.0, 1.36.4+, 1.37.0-1.37.1,
// 1.37.3+): a wrong etcd tag here would make upgrades pick the wrong etcd. Add rows only from the source.
const std::vector<CatalogRange>& versionCatalog() {
  static const std::vector<CatalogRange> catalog = {
      {v(29, 0), v(29, 2), {"3.5.10-0", "v1.11.1", "3.9"}},
      {v(29, 3), v(29, 8), {"3.5.12-0", "v1.11.1", "3.9"}},
      {v(29, 9), v(29, 10), {"3.5.15-0", "v1.11.1", "3.9"}},
      {v(30, 0), v(30, 4), {"3.5.12-0", "v1.11.1", "3.9"}},
      {v(30, 5), v(30, 6), {"3.5.15-0", "v1.11.3", "3.9"}},
      {v(31, 0), v(31, 0), {"3.5.15-0", "v1.11.1", "3.10"}},
      {v(31, 1), v(31, 2), {"3.5.15-0", "v1.11.3", "3.10"}},
      {v(32, 0), v(32, 2), {"3.5.16-0", "v1.11.3", "3.10"}},
      {v(32, 13), v(32, 13), {"3.5.24-0", "v1.11.3", "3.10"}},
      {v(33, 6), v(33, 13), {"3.5.24-0", "v1.12.0", "3.10"}},
      {v(34, 0), v(34, 0), {"3.6.4-0", "v1.12.1", "3.10.1"}},
      {v(34, 2), v(34, 4), {"3.6.5-0", "v1.12.1", "3.10.1"}},
      {v(35, 4), v(35, 4), {"3.6.6-0", "v1.13.1", "3.10.1"}},
      {v(36, 1), v(36, 3), {"3.6.8-0", "v1.14.2", "3.10.2"}},
      {v(37, 2), v(37, 2), {"3.7.0-0", "v1.14.6", "3.10.2"}},
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
  // Merge rows that continue each other (same minor, next patch) into one "first–last" span; a gap stays visible.
  std::string out;
  const auto& cat = versionCatalog();
  for (size_t i = 0; i < cat.size();) {
    Version first = cat[i].from, last = cat[i].to;
    size_t j = i + 1;
    while (j < cat.size() && cat[j].from.minor == first.minor && cat[j].from.patch == last.patch + 1) last = cat[j++].to;
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

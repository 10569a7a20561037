// The version catalog (in core/ because the inventory validates against it; images/ builds image names from it): for every Kubernetes patch release kforge supports, the etcd, CoreDNS and pause
// image tags kubeadm of that release uses by default (reference/kubeadm.md §5, docs/versions.md).
// Keyed by PATCH release because kubeadm bumped etcd and CoreDNS within minors (e.g. 1.30.4 → 1.30.5).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/version.hpp"

namespace kforge {

struct ComponentTags {
  std::string etcd;     // e.g. "3.5.15-0"
  std::string coredns;  // e.g. "v1.11.3"
  std::string pause;    // e.g. "3.10"
};

// One row of the catalog: every release from..to (inclusive, same minor) uses these tags.
struct CatalogRange {
  Version from;
  Version to;
  ComponentTags tags;
};

// The catalog, oldest first.
const std::vector<CatalogRange>& versionCatalog();

// Tags for a release, or nullopt when the version is not in the catalog (unknown patch, other minor,
// pre-release).
std::optional<ComponentTags> findComponentTags(const Version& kubernetes);

// Same, throwing kforge::Error (ExitCode::InvalidInput) with the message
// "Kubernetes v1.33.0 is not in kforge's version catalog (supported: v1.29.0–v1.29.10, ...)".
ComponentTags componentTags(const Version& kubernetes);

// "v1.29.0–v1.29.10, v1.30.0–v1.30.6, v1.31.0–v1.31.2, v1.32.0": the supported releases, merged per minor.
std::string supportedVersionsText();

bool isSupportedKubernetesVersion(const Version& kubernetes);

}  // namespace kforge

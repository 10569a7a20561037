// Kubernetes name rules used by the inventory: label/taint keys and values, certificate SAN names.
#pragma once
#include <string_view>

namespace kforge {

// A label or taint key: an optional DNS-subdomain prefix and '/', then a name of 1-63 characters
// [A-Za-z0-9-_.] starting and ending alphanumeric ("tier", "node.kubernetes.io/role").
bool isQualifiedName(std::string_view s);
// A label or taint value: empty, or 1-63 characters [A-Za-z0-9-_.] starting and ending alphanumeric.
bool isLabelValue(std::string_view s);
// A wildcard DNS name as X.509 SANs allow it: "*." followed by an RFC 1123 subdomain ("*.example.com").
bool isWildcardDnsName(std::string_view s);

}  // namespace kforge

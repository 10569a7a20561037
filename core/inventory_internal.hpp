// Internal to the inventory loader: the value rules (inventory_validate.cpp) the YAML walk (inventory_load.cpp)
// applies to each field, and the cross-field checks that run after the walk.
#pragma once
#include <string>

#include "core/inventory.hpp"
#include "core/yaml_reader.hpp"

namespace kforge::inv {

using yamlr::Entry;
using yamlr::Reader;

// Each returns the (string) value or throws kforge::Error at e.loc naming the rule and an example.
std::string rfc1123Label(const Reader& r, const Entry& e);       // cluster, pool and host names
std::string dnsSubdomain(const Reader& r, const Entry& e);       // dnsDomain
std::string ipAddress(const Reader& r, const Entry& e);          // host addresses
std::string hostOrIp(const Reader& r, const Entry& e);           // bastion address
std::string certSan(const Reader& r, const Entry& e);            // IP, RFC 1123 name or *.wildcard
std::string kubernetesVersion(const Reader& r, const Entry& e);  // returns the normalized "vX.Y.Z"
// etcd dataDir (used in remote commands, moved aside by reset/restore): a normalised absolute path of portable
// characters that is not a system directory (core/data_dir.hpp). Returns the normalised path.
std::string etcdDataDir(const Reader& r, const Entry& e);
std::string nonEmpty(const Reader& r, const Entry& e, const std::string& example);
std::string posixUser(const Reader& r, const Entry& e);
std::string imageRepository(const Reader& r, const Entry& e);
std::string imageTag(const Reader& r, const Entry& e);
// A label/taint key; the error is reported at `at` and names `where` ("spec.nodePools[0].labels").
std::string labelKey(const Reader& r, const SourceLoc& at, const std::string& key, const std::string& where);
void labelValue(const Reader& r, const Entry& e, const std::string& value);
void extraArgName(const Reader& r, const Entry& e, const std::string& key);

// Cross-field checks and warnings (subnets, endpoint, duplicates, roles and topology, PKI validity).
// Normalizes controlPlaneEndpoint to "host:port". Locations come from r.locs.
void validateCluster(Cluster& c, Reader& r);
// Adds a warning for each extraArgs value that switches off a security control (core/extra_args_warnings.cpp).
void warnInsecureExtraArgs(Cluster& c, const Reader& r);

}  // namespace kforge::inv

// The differential test's view of a file: a flat, order-free set of named fields (tests/tools/kubeadm_diff_test.cpp).
// Two renderings are "the same" when their field maps are equal; what a field means:
//   certificates   subject, issuer, SAN DNS / IP sets, key usage, extended key usage, CA flag, validity (backdate
//                  and lifetime relative to the run),
//                  key algorithm, signature algorithm, key identifiers, extension criticality (OpenSSL 3)
//   private keys   PEM type, algorithm and size, whether it is the key of the certificate beside it
//   kubeconfigs    clusters / contexts / users by name: server, CA fingerprint, client certificate (as above)
//   manifests      every YAML field; the command line as one field per flag (--name=value, order-free);
//                  lists of named items (containers, volumes, mounts, env, ports) keyed by name
//   systemd units  ExecStart as binary + flags (only the flags can be compared with a manifest)
//   kubeadm-flags  KUBELET_KUBEADM_ARGS as flags
//   other YAML     every field
#pragma once
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace kforge::kubeadmdiff {

using FieldMap = std::map<std::string, std::string>;

// When both sides' files were issued (Unix seconds): validity is reported relative to it.
struct Window {
  long long t0 = 0, t1 = 0;
};

// Normalises one file. `path` is the node path kforge uses ("/etc/kubernetes/pki/apiserver.crt"); `siblings`
// (path → content, same side) lets a key be checked against its certificate. CA fingerprints are reported as
// "sha256:<hex of the DER>" so both sides name the same CA the same way.
FieldMap normalizeFile(const std::string& path, const std::string& content,
                       const std::map<std::string, std::string>& siblings, const Window& window = {});

// Fields of one YAML value (used for API objects too). Lists whose items are maps with a "name" are keyed by that
// name; other lists by position; scalars as text; empty maps "{}", empty lists "[]".
void flattenYaml(const YAML::Node& n, const std::string& prefix, FieldMap& out);

// Certificate fields, prefixed.
void certFields(const std::string& pem, const std::string& prefix, FieldMap& out, const Window& window = {});
// Key fields ("pem", "alg") and, when certPem is given, "matches-cert".
void keyFields(const std::string& pem, const std::string& certPem, const std::string& prefix, FieldMap& out);

// The text with what legitimately differs between two renderings masked (base64 data of certificates and keys),
// for the layout check (same fields, different text).
std::string maskedLayout(const std::string& path, const std::string& content);

}  // namespace kforge::kubeadmdiff

// X.509 certificates as kubeadm makes them (ka/util/pkiutil/pki_helpers.go): issue, parse, inspect, verify.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "pki/ossl.hpp"

namespace kforge::pki {

enum class Usage { ServerAuth, ClientAuth };

// What one certificate must say. Built by cert_specs.cpp from the inventory (or, for renewal, from the old certificate).
struct CertSpec {
  std::string name;        // kubeadm's name: "ca", "apiserver", "etcd-server", "admin.conf", ...
  std::string baseName;    // file name below pki/ without extension ("etcd/server"), or the kubeconfig file name
  std::string caBaseName;  // signing CA's baseName: "ca" | "front-proxy-ca" | "etcd/ca"; empty = self-signed CA
  std::string commonName;
  std::vector<std::string> organization;
  std::vector<Usage> usages;          // extended key usages
  std::vector<std::string> dnsNames;  // sorted, unique (kubeadm RemoveDuplicateAltNames)
  std::vector<std::string> ips;       // canonical text form, unique, in kubeadm's order
  bool isCA() const { return caBaseName.empty(); }
};

// Issues a certificate for `key`. A CA spec is self-signed (caCert/caKey ignored); a leaf is signed by caCert/caKey.
// NotBefore = now - 5 min, NotAfter = now + validityDays, random serial in [1, 2^63), SHA-256 signature,
// X.509 v3 with KeyUsage (critical), ExtKeyUsage, BasicConstraints (critical), SAN, and as Go writes them
// for kubeadm: a subject key id on CAs only, an authority key id on leaves only.
Cert issueCert(const CertSpec& spec, EVP_PKEY* key, X509* caCert, EVP_PKEY* caKey, std::time_t now, int validityDays);

std::string certPem(X509* cert);
// The first certificate of a PEM file. Throws kforge::Error naming `what`.
Cert parseCertPem(const std::string& pem, const std::string& what);

struct CertInfo {
  std::string commonName;
  std::vector<std::string> organization;
  bool isCA = false;
  std::vector<Usage> usages;
  std::vector<std::string> dnsNames;
  std::vector<std::string> ips;
  std::time_t notBefore = 0;
  std::time_t notAfter = 0;
  std::optional<KeyAlgorithm> keyAlgorithm;
};
CertInfo inspectCert(X509* cert);

// True when cert was issued by ca (names match and ca's key verifies the signature).
bool signedBy(X509* cert, X509* ca);
// Empty when info says what spec asks (subject, CA flag, EKUs, SANs); else a short description of the first difference.
std::string specMismatch(const CertSpec& spec, const CertInfo& info);
// A spec that reproduces an existing certificate's identity (CN, O, EKU, SANs) — what renewal keeps.
CertSpec specFromCert(const CertInfo& info, const std::string& name, const std::string& baseName,
                      const std::string& caBaseName);

std::string toString(Usage u);
// "Jan 02, 2006 15:04 UTC"-style, as kubeadm prints dates.
std::string formatKubeadmDate(std::time_t t);
// RFC 3339 in UTC: 2006-01-02T15:04:05Z.
std::string formatRfc3339(std::time_t t);

}  // namespace kforge::pki

#include "pki/cert.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/net.hpp"
#include "pki/key.hpp"

namespace kforge::pki {

namespace {

constexpr std::time_t kBackdate = 5 * 60;  // kubeadmconstants.CertificateBackdate

void addExt(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (!ext) throwSsl("cannot build certificate extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (!ok) throwSsl("cannot add certificate extension");
}

void setRandomSerial(X509* cert) {
  // Uniform in [1, 2^63 - 1), like kubeadm's cryptorand.Int(MaxInt64 - 1) + 1.
  unsigned char b[8];
  uint64_t v = 0;
  do {
    if (RAND_bytes(b, sizeof b) != 1) throwSsl("RAND_bytes failed");
    b[0] &= 0x7F;
    v = 0;
    for (unsigned char c : b) v = (v << 8) | c;
  } while (v == 0 || v == 0x7FFFFFFFFFFFFFFFull);
  BIGNUM* bn = BN_bin2bn(b, sizeof b, nullptr);
  ASN1_INTEGER* serial = bn ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
  BN_free(bn);
  if (!serial || !X509_set_serialNumber(cert, serial)) throwSsl("cannot set serial number");
  ASN1_INTEGER_free(serial);
}

std::time_t asn1ToTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

std::vector<std::string> sortedUnique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return "[" + s + "]";
}

}  // namespace

std::string toString(Usage u) { return u == Usage::ServerAuth ? "serverAuth" : "clientAuth"; }

Cert issueCert(const CertSpec& spec, EVP_PKEY* key, X509* caCert, EVP_PKEY* caKey, std::time_t now,
               int validityDays) {
  if (spec.commonName.empty()) throw Error("certificate " + spec.name + ": must specify a CommonName");
  Cert cert = wrap(X509_new());
  X509* x = cert.get();
  if (!x || !X509_set_version(x, X509_VERSION_3)) throwSsl("cannot create certificate");
  setRandomSerial(x);

  X509_NAME* name = X509_get_subject_name(x);
  // Go's pkix.Name order: O before CN.
  for (const auto& o : spec.organization)
    if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0))
      throwSsl("cannot set subject O");
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(spec.commonName.c_str()), -1, -1, 0))
    throwSsl("cannot set subject CN");

  bool self = spec.isCA();
  X509* issuer = self ? x : caCert;
  EVP_PKEY* signer = self ? key : caKey;
  if (!issuer || !signer) throw Error("certificate " + spec.name + ": no CA to sign it with");
  if (!X509_set_issuer_name(x, X509_get_subject_name(issuer))) throwSsl("cannot set issuer");

  if (!ASN1_TIME_set(X509_getm_notBefore(x), now - kBackdate) ||
      !ASN1_TIME_set(X509_getm_notAfter(x), now + static_cast<std::time_t>(validityDays) * 86400))
    throwSsl("cannot set validity");
  if (!X509_set_pubkey(x, key)) throwSsl("cannot set public key");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  // Extension order as Go's x509.CreateCertificate writes them.
  addExt(x, &ctx, NID_key_usage,
         self ? "critical,digitalSignature,keyEncipherment,keyCertSign" : "critical,digitalSignature,keyEncipherment");
  if (!spec.usages.empty()) {
    std::string eku;
    for (auto u : spec.usages) eku += (eku.empty() ? "" : ",") + toString(u);
    addExt(x, &ctx, NID_ext_key_usage, eku);
  }
  addExt(x, &ctx, NID_basic_constraints, self ? "critical,CA:TRUE" : "critical,CA:FALSE");
  // Key identifiers as Go's x509.CreateCertificate sets them for kubeadm's templates (which set neither): a
  // subject key id (SHA-1 of the public key) on CAs only, an authority key id (the CA's subject key id) on
  // certificates the CA signs, none on the self-signed CA itself. (tests/tools/kubeadm_diff_test.cpp)
  if (self) addExt(x, &ctx, NID_subject_key_identifier, "hash");
  else addExt(x, &ctx, NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (const auto& d : spec.dnsNames) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : spec.ips) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (!san.empty()) addExt(x, &ctx, NID_subject_alt_name, san);

  if (X509_sign(x, signer, EVP_sha256()) <= 0) throwSsl("cannot sign certificate " + spec.name);
  return cert;
}

std::string certPem(X509* cert) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || !PEM_write_bio_X509(b.get(), cert)) throwSsl("cannot encode certificate");
  return bioString(b.get());
}

Cert parseCertPem(const std::string& pem, const std::string& what) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* x = b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!x) throwSsl("cannot parse certificate " + what);
  return wrap(x);
}

CertInfo inspectCert(X509* cert) {
  CertInfo info;
  X509_NAME* subj = X509_get_subject_name(cert);
  for (int i = 0; i < X509_NAME_entry_count(subj); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(subj, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) continue;
    std::string v(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
    if (nid == NID_commonName) info.commonName = v;
    if (nid == NID_organizationName) info.organization.push_back(v);
  }
  info.isCA = X509_check_ca(cert) != 0 && (X509_get_extension_flags(cert) & EXFLAG_CA);
  uint32_t xku = X509_get_extended_key_usage(cert);
  if (X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) {
    if (xku & XKU_SSL_SERVER) info.usages.push_back(Usage::ServerAuth);
    if (xku & XKU_SSL_CLIENT) info.usages.push_back(Usage::ClientAuth);
  }
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      info.dnsNames.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                                 static_cast<size_t>(ASN1_STRING_length(g->d.dNSName)));
    } else if (g->type == GEN_IPADD) {
      IpAddr ip;
      int len = ASN1_STRING_length(g->d.iPAddress);
      if (len != 4 && len != 16) continue;
      ip.v6 = len == 16;
      std::memcpy(ip.bytes.data(), ASN1_STRING_get0_data(g->d.iPAddress), static_cast<size_t>(len));
      info.ips.push_back(ip.str());
    }
  }
  GENERAL_NAMES_free(names);
  info.notBefore = asn1ToTime(X509_get0_notBefore(cert));
  info.notAfter = asn1ToTime(X509_get0_notAfter(cert));
  if (EVP_PKEY* pk = X509_get0_pubkey(cert)) info.keyAlgorithm = keyAlgorithmOf(pk);
  return info;
}

bool signedBy(X509* cert, X509* ca) {
  if (X509_check_issued(ca, cert) != X509_V_OK) return false;
  EVP_PKEY* pk = X509_get0_pubkey(ca);
  bool ok = pk && X509_verify(cert, pk) == 1;
  ERR_clear_error();
  return ok;
}

std::string specMismatch(const CertSpec& spec, const CertInfo& info) {
  if (info.commonName != spec.commonName)
    return "subject CN is \"" + info.commonName + "\", want \"" + spec.commonName + "\"";
  if (sortedUnique(info.organization) != sortedUnique(spec.organization))
    return "subject O is " + join(info.organization) + ", want " + join(spec.organization);
  if (info.isCA != spec.isCA()) return spec.isCA() ? "not a CA certificate" : "is a CA certificate";
  auto usages = [](std::vector<Usage> u) {
    std::vector<std::string> s;
    for (auto x : u) s.push_back(toString(x));
    return sortedUnique(s);
  };
  if (usages(info.usages) != usages(spec.usages))
    return "extended key usage is " + join(usages(info.usages)) + ", want " + join(usages(spec.usages));
  if (sortedUnique(info.dnsNames) != sortedUnique(spec.dnsNames))
    return "DNS SANs are " + join(info.dnsNames) + ", want " + join(spec.dnsNames);
  if (sortedUnique(info.ips) != sortedUnique(spec.ips))
    return "IP SANs are " + join(info.ips) + ", want " + join(spec.ips);
  return {};
}

CertSpec specFromCert(const CertInfo& info, const std::string& name, const std::string& baseName,
                      const std::string& caBaseName) {
  CertSpec s;
  s.name = name;
  s.baseName = baseName;
  s.caBaseName = caBaseName;
  s.commonName = info.commonName;
  s.organization = info.organization;
  s.usages = info.usages;
  s.dnsNames = info.dnsNames;
  s.ips = info.ips;
  return s;
}

std::string formatKubeadmDate(std::time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%b %d, %Y %H:%M UTC", &tm);
  return buf;
}

std::string formatRfc3339(std::time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace kforge::pki

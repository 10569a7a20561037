#include "tests/tools/kubeadm_diff/normalize.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <arpa/inet.h>
#include <ctime>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/base64.hpp"

namespace kforge::kubeadmdiff {

namespace {

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

X509Ptr readCert(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
}

std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += d[p[i] >> 4];
    out += d[p[i] & 15];
  }
  return out;
}

std::string nameText(const X509_NAME* n) {
  BioPtr b(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(b.get(), n, 0, XN_FLAG_RFC2253);
  char* p = nullptr;
  long len = BIO_get_mem_data(b.get(), &p);
  return std::string(p, static_cast<size_t>(len));
}

std::string keyText(EVP_PKEY* k) {
  if (!k) return "none";
  int id = EVP_PKEY_get_base_id(k);
  if (id == EVP_PKEY_RSA) return "RSA-" + std::to_string(EVP_PKEY_get_bits(k));
  if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t len = 0;
    EVP_PKEY_get_group_name(k, group, sizeof group, &len);
    return std::string("EC-") + group;
  }
  if (id == EVP_PKEY_ED25519) return "ED25519";
  return "type-" + std::to_string(id);
}

// SHA-1 of the subjectPublicKey BIT STRING: RFC 5280 4.2.1.2 method (1), what Go and OpenSSL compute.
std::string keyIdOf(X509* cert) {
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(cert);
  if (!bits) return "";
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(bits->data, static_cast<size_t>(bits->length), md);
  return hex(md, sizeof md);
}

std::string derFingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  return "sha256:" + hex(md, n);
}

std::string joinSorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "(none)" : out;
}

std::string ipText(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ip->length == 4) inet_ntop(AF_INET, ip->data, buf, sizeof buf);
  else if (ip->length == 16) inet_ntop(AF_INET6, ip->data, buf, sizeof buf);
  else return "?";
  return buf;
}

}  // namespace

void certFields(const std::string& pem, const std::string& p, FieldMap& out, const Window& window) {
  X509Ptr c = readCert(pem);
  if (!c) {
    out[p + "parse"] = "not a PEM certificate";
    return;
  }
  X509* x = c.get();
  out[p + "subject"] = nameText(X509_get_subject_name(x));
  out[p + "issuer"] = nameText(X509_get_issuer_name(x));
  out[p + "version"] = std::to_string(X509_get_version(x) + 1);
  {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
    BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
    int bits = BN_num_bits(bn);
    bool neg = BN_is_negative(bn);
    BN_free(bn);
    out[p + "serial"] = (!neg && bits >= 1 && bits <= 63) ? "in [1, 2^63)" : "other (" + std::to_string(bits) + " bits)";
  }
  // Validity, relative to the run that issued the certificate (both sides ran inside window): notBefore as the
  // backdate from issuance, notAfter as whole hours after it. (kubeadm's kubeconfig client certificates keep their
  // CA's notBefore — phases/kubeconfig sets only NotAfter — which in a fresh run is the same instant.)
  {
    auto secondsOf = [](const ASN1_TIME* t) {
      struct tm tm{};
      ASN1_TIME_to_tm(t, &tm);
      return static_cast<long long>(timegm(&tm));
    };
    long long nb = secondsOf(X509_get0_notBefore(x)), na = secondsOf(X509_get0_notAfter(x));
    long long t0 = window.t0, t1 = window.t1;
    if (t0 == 0) t0 = t1 = nb;  // no window: absolute backdate unknown
    long long backdateMin = (t0 - nb) / 60, backdateMax = (t1 - nb + 59) / 60;
    if (nb >= t0 - 300 - 2 && nb <= t1 - 300 + 2) out[p + "notBefore"] = "issuance - 5m";
    else if (nb >= t0 - 2 && nb <= t1 + 2) out[p + "notBefore"] = "issuance";
    else out[p + "notBefore"] = "issuance - " + std::to_string(backdateMin) + ".." + std::to_string(backdateMax) + "m";
    out[p + "notAfter"] = "issuance + " + std::to_string((na - t0) / 3600) + "h";
  }
  PkeyPtr k(X509_get_pubkey(x));
  out[p + "key"] = keyText(k.get());
  out[p + "signature"] = OBJ_nid2ln(X509_get_signature_nid(x));

  std::vector<std::string> exts;
  for (int i = 0; i < X509_get_ext_count(x); ++i) {
    X509_EXTENSION* e = X509_get_ext(x, i);
    int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
    std::string name = nid != NID_undef ? OBJ_nid2sn(nid) : "oid";
    exts.push_back(name + (X509_EXTENSION_get_critical(e) ? "(critical)" : ""));
  }
  out[p + "extensions"] = joinSorted(exts);

  uint32_t ku = X509_get_key_usage(x);
  std::vector<std::string> kus;
  if (X509_get_extension_flags(x) & EXFLAG_KUSAGE) {
    const std::pair<uint32_t, const char*> names[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"}};
    for (auto [bit, n] : names)
      if (ku & bit) kus.push_back(n);
  }
  out[p + "keyUsage"] = joinSorted(kus);

  std::vector<std::string> ekus;
  if (auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr))) {
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
      char buf[128];
      OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku, i), 0);
      ekus.push_back(buf);
    }
    EXTENDED_KEY_USAGE_free(eku);
  }
  out[p + "extKeyUsage"] = joinSorted(ekus);

  if (auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x, NID_basic_constraints, nullptr, nullptr))) {
    std::string v = bc->ca ? "CA:TRUE" : "CA:FALSE";
    if (bc->pathlen) v += ", pathlen:" + std::to_string(ASN1_INTEGER_get(bc->pathlen));
    out[p + "basicConstraints"] = v;
    BASIC_CONSTRAINTS_free(bc);
  } else {
    out[p + "basicConstraints"] = "(none)";
  }

  std::vector<std::string> dns, ips, other;
  if (auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type == GEN_DNS) {
        dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                         static_cast<size_t>(ASN1_STRING_length(g->d.dNSName)));
      } else if (g->type == GEN_IPADD) {
        ips.push_back(ipText(g->d.iPAddress));
      } else {
        other.push_back("type" + std::to_string(g->type));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  out[p + "san.dns"] = joinSorted(dns);
  out[p + "san.ip"] = joinSorted(ips);
  if (!other.empty()) out[p + "san.other"] = joinSorted(other);

  // Key identifiers: how the subject key id was derived, and whether the authority key id names the issuer's key.
  const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(x);
  if (skid) {
    std::string v = hex(skid->data, static_cast<size_t>(skid->length));
    out[p + "subjectKeyId"] = v == keyIdOf(x) ? "sha1(public key)" : "other (" + std::to_string(skid->length) + " bytes)";
  } else {
    out[p + "subjectKeyId"] = "(none)";
  }
  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(x);
  out[p + "authorityKeyId"] = akid ? "present" : "(none)";
}

void keyFields(const std::string& pem, const std::string& certPem, const std::string& p, FieldMap& out) {
  auto begin = pem.find("-----BEGIN ");
  auto end = begin == std::string::npos ? begin : pem.find("-----", begin + 11);
  out[p + "pem"] = end == std::string::npos ? "(no PEM)" : pem.substr(begin + 11, end - begin - 11);
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr k(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
  if (!k) {
    BioPtr b2(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    k.reset(PEM_read_bio_PUBKEY(b2.get(), nullptr, nullptr, nullptr));
  }
  out[p + "alg"] = keyText(k.get());
  if (!certPem.empty()) {
    X509Ptr c = readCert(certPem);
    out[p + "matches-cert"] = (c && k && X509_check_private_key(c.get(), k.get()) == 1) ? "yes" : "no";
  }
}

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

using Hook = std::function<bool(const std::string& key, const YAML::Node& v, const std::string& path, FieldMap& out)>;

std::string scalarText(const YAML::Node& n) {
  if (n.IsNull()) return "null";
  return n.Scalar();
}

void flatten(const YAML::Node& n, const std::string& prefix, FieldMap& out, const Hook& hook) {
  if (!n || n.IsNull()) {
    out[prefix] = "null";
  } else if (n.IsScalar()) {
    out[prefix] = n.Scalar();
  } else if (n.IsMap()) {
    if (n.size() == 0) out[prefix] = "{}";
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string path = prefix.empty() ? key : prefix + "." + key;
      if (hook && hook(key, kv.second, path, out)) continue;
      flatten(kv.second, path, out, hook);
    }
  } else if (n.IsSequence()) {
    if (n.size() == 0) out[prefix] = "[]";
    bool named = n.size() > 0;
    for (const auto& item : n)
      if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) named = false;
    bool scalars = true;
    for (const auto& item : n)
      if (!item.IsScalar()) scalars = false;
    if (named) {
      for (const auto& item : n) flatten(item, prefix + "[" + item["name"].Scalar() + "]", out, hook);
    } else if (scalars && n.size() > 0) {
      std::string v;
      for (const auto& item : n) v += (v.empty() ? "" : ", ") + scalarText(item);
      out[prefix] = "[" + v + "]";
    } else {
      for (size_t i = 0; i < n.size(); ++i) flatten(n[i], prefix + "[" + std::to_string(i) + "]", out, hook);
    }
  }
}

// A command line: the binary, then one field per --flag (order-free; a repeated flag keeps every value).
void commandFields(const std::vector<std::string>& argv, const std::string& prefix, FieldMap& out) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (i == 0) {
      out[prefix + "[0]"] = a;
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      std::string name = a.substr(0, eq);
      std::string value = eq == std::string::npos ? "(no value)" : a.substr(eq + 1);
      auto& slot = out[prefix + "." + name];
      slot = slot.empty() ? value : slot + "\n" + value;
    } else {
      out[prefix + "[" + std::to_string(i) + "]"] = a;
    }
  }
}

std::string decodeData(const std::string& b64) {
  try {
    return base64DecodeOrThrow(b64, "data");
  } catch (...) {
    return "";
  }
}

// A CA certificate named by the file of the same side it equals ("/etc/kubernetes/pki/ca.crt"), so that runs
// where kubeadm made its own CAs compare too.
std::string caName(const std::string& pem, const std::map<std::string, std::string>& siblings) {
  X509Ptr c = readCert(pem);
  if (!c) return "(not a certificate)";
  std::string fp = derFingerprint(c.get());
  for (const auto& [path, content] : siblings) {
    if (!endsWith(path, "ca.crt")) continue;
    X509Ptr s = readCert(content);
    if (s && derFingerprint(s.get()) == fp) return "the CA of " + path;
  }
  return fp;
}

// Expands a kubeconfig's users: the client certificate as certificate fields, the key as key fields.
void kubeconfigFields(const YAML::Node& root, FieldMap& out, const Window& window,
                      const std::map<std::string, std::string>& siblings) {
  flatten(root, "", out, [&](const std::string& key, const YAML::Node& v, const std::string& path, FieldMap& o) {
    if (key == "certificate-authority-data" && v.IsScalar()) {
      o[path] = caName(decodeData(v.Scalar()), siblings);
      return true;
    }
    if (key == "user" && v.IsMap()) {
      std::string certPem = v["client-certificate-data"] ? decodeData(v["client-certificate-data"].Scalar()) : "";
      for (const auto& kv : v) {
        std::string k = kv.first.Scalar();
        if (k == "client-certificate-data") certFields(certPem, path + ".client-certificate-data.", o, window);
        else if (k == "client-key-data") keyFields(decodeData(kv.second.Scalar()), certPem, path + ".client-key-data.", o);
        else flatten(kv.second, path + "." + k, o, nullptr);
      }
      return true;
    }
    return false;
  });
}

Hook manifestHook() {
  return [](const std::string& key, const YAML::Node& v, const std::string& path, FieldMap& out) {
    if ((key == "command" || key == "args") && v.IsSequence()) {
      std::vector<std::string> argv;
      for (const auto& a : v) argv.push_back(a.Scalar());
      commandFields(argv, path, out);
      return true;
    }
    return false;
  };
}

// systemd's ExecStart= word splitting (quotes, backslash escapes, %% and $$), with line continuations.
std::vector<std::string> execStartArgv(const std::string& unit) {
  std::string joined;
  std::istringstream in(unit);
  std::string line;
  bool inExec = false;
  while (std::getline(in, line)) {
    if (!inExec && line.rfind("ExecStart=", 0) == 0) {
      inExec = true;
      line = line.substr(10);
    } else if (!inExec) {
      continue;
    }
    bool cont = !line.empty() && line.back() == '\\';
    if (cont) line.pop_back();
    joined += line + " ";
    if (!cont) break;
  }
  std::vector<std::string> argv;
  std::string cur;
  bool quoted = false, any = false;
  for (size_t i = 0; i < joined.size(); ++i) {
    char ch = joined[i];
    if (ch == '\\' && i + 1 < joined.size()) {
      char nx = joined[++i];
      cur += nx == 'n' ? '\n' : nx;
      any = true;
    } else if ((ch == '%' || ch == '$') && i + 1 < joined.size() && joined[i + 1] == ch) {
      cur += ch;
      ++i;
      any = true;
    } else if (ch == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (ch == ' ' || ch == '\t')) {
      if (any) argv.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any) argv.push_back(cur);
  return argv;
}

std::string stripExt(const std::string& path) { return path.substr(0, path.rfind('.')); }

}  // namespace

void flattenYaml(const YAML::Node& n, const std::string& prefix, FieldMap& out) { flatten(n, prefix, out, nullptr); }

FieldMap normalizeFile(const std::string& path, const std::string& content,
                       const std::map<std::string, std::string>& siblings, const Window& window) {
  FieldMap out;
  try {
    if (endsWith(path, ".crt")) {
      certFields(content, "", out, window);
    } else if (endsWith(path, ".key") || endsWith(path, ".pub")) {
      std::string cert;
      auto it = siblings.find(stripExt(path) + ".crt");
      if (it != siblings.end()) cert = it->second;
      keyFields(content, cert, "", out);
    } else if (endsWith(path, ".conf")) {
      kubeconfigFields(YAML::Load(content), out, window, siblings);
    } else if (endsWith(path, ".service")) {
      commandFields(execStartArgv(content), "command", out);
    } else if (endsWith(path, "kubeadm-flags.env")) {
      auto q1 = content.find('"'), q2 = content.rfind('"');
      std::string name = content.substr(0, content.find('='));
      std::vector<std::string> argv{name};
      if (q1 != std::string::npos && q2 > q1) {
        std::istringstream words(content.substr(q1 + 1, q2 - q1 - 1));
        std::string w;
        while (words >> w) argv.push_back(w);
      }
      commandFields(argv, "env", out);
    } else if (path.find("/manifests/") != std::string::npos) {
      flatten(YAML::Load(content), "", out, manifestHook());
    } else if (endsWith(path, ".yaml") || endsWith(path, ".yml")) {
      flatten(YAML::Load(content), "", out, nullptr);
    } else {
      out["content"] = content;
    }
  } catch (const std::exception& e) {
    out["parse"] = std::string("cannot parse: ") + e.what();
  }
  return out;
}

std::string maskedLayout(const std::string& path, const std::string& content) {
  if (endsWith(path, ".crt") || endsWith(path, ".key") || endsWith(path, ".pub")) return "";
  std::istringstream in(content);
  std::string line, out;
  while (std::getline(in, line)) {
    auto pos = line.find("-data: ");
    if (pos != std::string::npos) line = line.substr(0, pos + 7) + "<data>";
    out += line + "\n";
  }
  return out;
}

}  // namespace kforge::kubeadmdiff

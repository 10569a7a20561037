#include "pki/renew.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/key.hpp"
#include "pki/key_pair_files.hpp"
#include "pki/kubeconfig.hpp"

namespace kforge::pki {

std::vector<std::string> renewableNames() {
  std::vector<std::string> out;
  for (const auto& k : allKnownCerts()) out.push_back(k.name);
  return out;
}

RenewOutcome renewCerts(const NodeLayout& layout, const std::string& which, std::time_t now) {
  NodeKind kind = layout.resolvedKind();
  std::vector<KnownCert> targets;
  if (which == "all") {
    targets = knownCertsFor(kind);
  } else {
    for (const auto& k : allKnownCerts())
      if (k.name == which) targets.push_back(k);
    if (targets.empty()) {
      std::string names;
      for (const auto& n : renewableNames()) names += " " + n;
      throw Error("unknown certificate \"" + which + "\"; expected all or one of:" + names, ExitCode::Failure);
    }
  }
  RenewOutcome o;
  for (const auto& k : targets) {
    std::string path = certPath(layout, k);
    if (!k.kubeconfig)
      if (std::string done = recoverKeyPair(keyPath(layout, k), path); !done.empty()) o.messages.push_back(done);
    if (!fileExists(path)) {
      o.missing.push_back(k.name);
      o.messages.push_back("MISSING! " + k.longName);
      continue;
    }
    std::string caCrt = layout.caDir + "/" + k.caBaseName + ".crt", caKeyPath = layout.caDir + "/" + k.caBaseName + ".key";
    if (!fileExists(caCrt) || !fileExists(caKeyPath)) {
      o.external.push_back(k.name);
      o.messages.push_back("Detected external " + k.caBaseName + ", " + k.longName + " can't be renewed");
      continue;
    }
    Cert ca = parseCertPem(readFile(caCrt), caCrt);
    checkPrivateKeyFile(caKeyPath);
    Pkey caKey = parsePrivateKeyPem(readFile(caKeyPath), caKeyPath);

    std::string text = readFile(path);
    Kubeconfig kc;
    if (k.kubeconfig) kc = parseKubeconfig(text, path);
    Cert old = parseCertPem(k.kubeconfig ? kc.certPem : text, path);
    CertInfo info = inspectCert(old.get());
    CertSpec spec = specFromCert(info, k.name, k.baseName, k.caBaseName);
    long days = std::lround(static_cast<double>(info.notAfter - info.notBefore - 300) / 86400.0);
    Pkey key = generateKey(info.keyAlgorithm.value_or(KeyAlgorithm::Rsa2048));
    Cert fresh = issueCert(spec, key.get(), ca.get(), caKey.get(), now, static_cast<int>(std::max(1L, days)));
    if (k.kubeconfig) {
      kc.certPem = certPem(fresh.get());
      kc.keyPem = privateKeyPem(key.get());
      writeFileAtomic(path, renderKubeconfig(kc), 0600);
    } else {
      writeKeyPair(keyPath(layout, k), privateKeyPem(key.get()), path, certPem(fresh.get()));
    }
    o.renewed.push_back(k.name);
    o.messages.push_back(k.longName + " renewed");
    if (!k.component.empty() && std::find(o.restart.begin(), o.restart.end(), k.component) == o.restart.end())
      o.restart.push_back(k.component);
  }
  static const std::vector<std::string> order = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"};
  std::sort(o.restart.begin(), o.restart.end(), [](const std::string& a, const std::string& b) {
    return std::find(order.begin(), order.end(), a) < std::find(order.begin(), order.end(), b);
  });
  return o;
}

std::string renewSummary(const RenewOutcome& o) {
  if (o.renewed.empty()) return "No certificates were renewed.";
  if (o.restart.empty())
    return "Done renewing certificates. No component needs a restart: the renewed kubeconfigs are used by clients only.";
  std::string list;
  for (size_t i = 0; i < o.restart.size(); ++i) {
    if (i > 0) list += (i + 1 == o.restart.size()) ? " and " : ", ";
    list += o.restart[i];
  }
  return "Done renewing certificates. You must restart the " + list + ", so that they can use the new certificates.";
}

}  // namespace kforge::pki

#include "pki/store.hpp"

#include <map>
#include <optional>

#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/cert_specs.hpp"
#include "pki/key.hpp"
#include "pki/key_pair_files.hpp"
#include "pki/kubeconfig.hpp"

namespace kforge::pki {

namespace {

struct CaState {
  Cert cert;
  Pkey key;
  std::string certPem;
  bool external = false;  // certificate without key: never touched, never used to sign
  bool created = false;
  int keyJob = -1;
};

struct Item {
  enum class Kind { Leaf, Kubeconfig } kind = Kind::Leaf;
  CertSpec spec;
  std::string certPath, keyPath;  // absolute; for a kubeconfig certPath is the file
  std::string rel;                // relative name for the report
  std::string server;             // kubeconfig
  enum class Action { Keep, Create, Reissue, Rewrite } action = Action::Keep;
  std::string reason;
  Cert cert;
  Pkey key;
  std::string certPem, keyPem;  // existing material (kept kubeconfigs are re-rendered from it)
  int keyJob = -1;
};

std::optional<std::string> readIfExists(const std::string& path) {
  if (!fileExists(path)) return std::nullopt;
  // A private key others can read is refused (never silently used or "fixed"): it may have leaked.
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".key") == 0) checkPrivateKeyFile(path);
  return readFile(path);
}

// Each file is replaced atomically (temp + rename); one syncfs at the end of ensurePki makes them durable, instead
// of two fsyncs per file (a full render writes ~280 files).
void writeFile(const std::string& path, const std::string& content, mode_t mode) {
  makeDirs(dirName(path), 0700);
  writeFileAtomic(path, content, mode, /*sync=*/false);
}

// Why an existing leaf must be re-issued; empty = keep. expiring is set when that is the (only) reason.
std::string leafProblem(const CertSpec& spec, X509* cert, EVP_PKEY* key, const CaState& ca, KeyAlgorithm alg,
                        std::time_t now, int renewBeforeDays, bool& expiring) {
  expiring = false;
  if (!samePublicKey(X509_get0_pubkey(cert), key)) return "the private key does not match the certificate";
  if (ca.created) return "its CA " + caDisplayName(spec.caBaseName) + " was created anew";
  if (!signedBy(cert, ca.cert.get())) return "not signed by the current " + caDisplayName(spec.caBaseName) + " CA";
  CertInfo info = inspectCert(cert);
  if (auto m = specMismatch(spec, info); !m.empty()) return m;
  if (!ca.external && info.keyAlgorithm != alg)
    return "key algorithm is " + (info.keyAlgorithm ? toString(*info.keyAlgorithm) : std::string("unsupported")) +
           ", want " + toString(alg);
  if (info.notAfter - now <= static_cast<std::time_t>(renewBeforeDays) * 86400) {
    expiring = true;
    return "expires " + formatKubeadmDate(info.notAfter) + ", within renewBeforeDays (" +
           std::to_string(renewBeforeDays) + ")";
  }
  return {};
}

std::string externalCaError(const std::string& caBase, const std::string& file, const std::string& problem) {
  return "the " + caDisplayName(caBase) + " CA is external (pki/" + caBase + ".crt without pki/" + caBase +
         ".key): kforge cannot issue " + file + " (" + problem + "); provide " + file +
         " signed by that CA, or provide pki/" + caBase + ".key";
}

}  // namespace

Report ensurePki(const Cluster& c, const std::string& stateDir, std::time_t now) {
  // Another user's (or a shared, writable) state dir could hand us their CA: refuse it before reading anything.
  ensurePrivateDir(stateDir, "state directory");
  Report report;
  const KeyAlgorithm alg = c.pki.keyAlgorithm;
  const int renewBefore = c.pki.renewBeforeDays;
  std::vector<KeyAlgorithm> keyJobs;
  auto newKeyJob = [&] {
    keyJobs.push_back(alg);
    return static_cast<int>(keyJobs.size() - 1);
  };

  // 1. CAs: load, or plan to create.
  std::map<std::string, CaState> cas;
  for (const auto& spec : caSpecs()) {
    CaState& ca = cas[spec.baseName];
    std::string crtRel = "pki/" + spec.baseName + ".crt", keyRel = "pki/" + spec.baseName + ".key";
    auto crt = readIfExists(stateDir + "/" + crtRel);
    auto key = readIfExists(stateDir + "/" + keyRel);
    if (!crt && key)
      throw Error(stateDir + "/" + keyRel + " exists without " + crtRel + ": restore the certificate or remove the key");
    if (!crt) {
      ca.created = true;
      ca.keyJob = newKeyJob();
      continue;
    }
    ca.certPem = *crt;
    ca.cert = parseCertPem(*crt, stateDir + "/" + crtRel);
    CertInfo info = inspectCert(ca.cert.get());
    if (!info.isCA) throw Error(stateDir + "/" + crtRel + " is not a CA certificate");
    if (key) {
      ca.key = parsePrivateKeyPem(*key, stateDir + "/" + keyRel);
      if (!samePublicKey(ca.key.get(), X509_get0_pubkey(ca.cert.get())))
        throw Error(stateDir + "/" + keyRel + " does not match " + crtRel);
      report.kept.push_back(crtRel);
      report.kept.push_back(keyRel);
    } else {
      ca.external = true;
      report.kept.push_back(crtRel);
    }
    if (info.notAfter - now <= static_cast<std::time_t>(renewBefore) * 86400)
      report.warnings.push_back("CA " + spec.name + " expires " + formatKubeadmDate(info.notAfter) +
                                "; kforge never replaces a CA by itself");
  }

  // 2. Service-account key pair.
  int saJob = -1;
  Pkey saKey;
  bool saPubStale = false;
  {
    auto key = readIfExists(stateDir + "/pki/sa.key");
    if (!key) {
      saJob = newKeyJob();
    } else {
      saKey = parsePrivateKeyPem(*key, stateDir + "/pki/sa.key");
      report.kept.push_back("pki/sa.key");
      auto pub = readIfExists(stateDir + "/pki/sa.pub");
      if (!pub) {
        saPubStale = true;
        report.created.push_back("pki/sa.pub");
      } else if (!samePublicKey(parsePublicKeyPem(*pub, stateDir + "/pki/sa.pub").get(), saKey.get())) {
        saPubStale = true;
        report.reissued.push_back({"pki/sa.pub", "does not match sa.key"});
      } else {
        report.kept.push_back("pki/sa.pub");
      }
    }
  }

  // 3. Leaves and kubeconfigs, host by host in inventory order, then the users' admin.conf.
  std::vector<Item> items;
  for (const Host* h : c.hosts()) {
    std::string hostDir = stateDir + "/hosts/" + h->name;
    for (auto& spec : hostLeafSpecs(c, *h, &report.warnings)) {
      Item it;
      it.spec = spec;
      it.certPath = hostDir + "/pki/" + spec.baseName + ".crt";
      it.keyPath = hostDir + "/pki/" + spec.baseName + ".key";
      it.rel = "hosts/" + h->name + "/pki/" + spec.baseName + ".crt";
      items.push_back(std::move(it));
    }
    for (auto& kc : hostKubeconfigSpecs(c, *h)) {
      Item it;
      it.kind = Item::Kind::Kubeconfig;
      it.spec = kc.client;
      it.server = kc.server;
      it.certPath = hostDir + "/" + kc.fileName;
      it.rel = "hosts/" + h->name + "/" + kc.fileName;
      items.push_back(std::move(it));
    }
  }
  {
    auto kc = adminKubeconfigSpec(c);
    Item it;
    it.kind = Item::Kind::Kubeconfig;
    it.spec = kc.client;
    it.server = kc.server;
    it.certPath = stateDir + "/admin.conf";
    it.rel = "admin.conf";
    items.push_back(std::move(it));
  }

  for (auto& it : items) {
    const CaState& ca = cas.at(it.spec.caBaseName);
    std::string problem;
    bool expiring = false;
    try {
      if (it.kind == Item::Kind::Leaf) {
        recoverKeyPair(it.keyPath, it.certPath);  // an interrupted `certs renew` (pki/key_pair_files.hpp)
        auto crt = readIfExists(it.certPath);
        auto key = readIfExists(it.keyPath);
        if (!crt || !key) {
          problem = "missing";
        } else {
          it.certPem = *crt;
          it.keyPem = *key;
          it.cert = parseCertPem(*crt, it.certPath);
          it.key = parsePrivateKeyPem(*key, it.keyPath);
        }
      } else {
        auto text = readIfExists(it.certPath);
        if (!text) {
          problem = "missing";
        } else {
          Kubeconfig kc = parseKubeconfig(*text, it.certPath);
          it.certPem = kc.certPem;
          it.keyPem = kc.keyPem;
          it.cert = parseCertPem(kc.certPem, it.certPath + " client-certificate-data");
          it.key = parsePrivateKeyPem(kc.keyPem, it.certPath + " client-key-data");
        }
      }
    } catch (const Error& e) {
      problem = std::string("unreadable: ") + e.what();
    }
    if (problem.empty())
      problem = leafProblem(it.spec, it.cert.get(), it.key.get(), ca, alg, now, renewBefore, expiring);

    if (ca.external && !problem.empty()) {
      if (expiring) {
        report.warnings.push_back(it.rel + " " + problem + " but its CA is external: renew it with that CA");
        problem.clear();
      } else {
        throw Error(externalCaError(it.spec.caBaseName, it.rel, problem));
      }
    }
    if (problem == "missing") {
      it.action = Item::Action::Create;
    } else if (!problem.empty()) {
      it.action = Item::Action::Reissue;
      it.reason = problem;
    }
    if (it.action != Item::Action::Keep) {
      it.keyJob = newKeyJob();
    } else if (it.kind == Item::Kind::Kubeconfig) {
      Kubeconfig want{c.clusterName, it.server, ca.certPem, it.spec.commonName, it.certPem, it.keyPem,
                      kubeconfigHasPreferences(c.kubernetesVersion)};
      if (renderKubeconfig(want) != readFile(it.certPath)) {
        it.action = Item::Action::Rewrite;
        it.reason = "kubeconfig content is out of date (server, cluster name, user or CA)";
      }
    }
  }

  // 4. All new keys at once, in parallel; results are indexed by job, so what follows is deterministic.
  std::vector<Pkey> keys = generateKeys(keyJobs);

  // 5. Create CAs, then the sa pair, then sign leaves in order.
  for (const auto& spec : caSpecs()) {
    CaState& ca = cas[spec.baseName];
    if (!ca.created) continue;
    ca.key = keys[static_cast<size_t>(ca.keyJob)];
    ca.cert = issueCert(spec, ca.key.get(), nullptr, nullptr, now, c.pki.caValidityDays);
    ca.certPem = certPem(ca.cert.get());
    writeFile(stateDir + "/pki/" + spec.baseName + ".key", privateKeyPem(ca.key.get()), 0600);
    writeFile(stateDir + "/pki/" + spec.baseName + ".crt", ca.certPem, 0644);
    report.created.push_back("pki/" + spec.baseName + ".crt");
    report.created.push_back("pki/" + spec.baseName + ".key");
  }
  if (saJob >= 0) {
    saKey = keys[static_cast<size_t>(saJob)];
    writeFile(stateDir + "/pki/sa.key", privateKeyPem(saKey.get()), 0600);
    report.created.push_back("pki/sa.key");
    report.created.push_back("pki/sa.pub");
    saPubStale = true;
  }
  if (saPubStale) writeFile(stateDir + "/pki/sa.pub", publicKeyPem(saKey.get()), 0600);

  for (auto& it : items) {
    const CaState& ca = cas.at(it.spec.caBaseName);
    if (it.action == Item::Action::Keep) {
      report.kept.push_back(it.rel);
      continue;
    }
    if (it.action != Item::Action::Rewrite) {
      it.key = keys[static_cast<size_t>(it.keyJob)];
      int days = c.pki.certValidityDays;
      it.cert = issueCert(it.spec, it.key.get(), ca.cert.get(), ca.key.get(), now, days);
      it.certPem = certPem(it.cert.get());
      it.keyPem = privateKeyPem(it.key.get());
    }
    if (it.kind == Item::Kind::Leaf) {
      writeFile(it.keyPath, it.keyPem, 0600);
      writeFile(it.certPath, it.certPem, 0644);
    } else {
      Kubeconfig kc{c.clusterName, it.server, ca.certPem, it.spec.commonName, it.certPem, it.keyPem,
                    kubeconfigHasPreferences(c.kubernetesVersion)};
      writeFile(it.certPath, renderKubeconfig(kc), 0600);
    }
    if (it.action == Item::Action::Create) report.created.push_back(it.rel);
    else report.reissued.push_back({it.rel, it.reason});
  }
  if (!report.created.empty() || !report.reissued.empty()) syncFilesystem(stateDir);
  return report;
}

FileSet hostPkiFiles(const Cluster& c, const Host& h, const std::string& stateDir) {
  FileSet out;
  const std::string pki = "/etc/kubernetes/pki/";
  auto add = [&](const std::string& src, const std::string& dest, mode_t mode) {
    if (!fileExists(src)) throw Error(src + " is missing: run render/apply to create the cluster PKI first");
    if ((mode & 077) == 0) checkPrivateKeyFile(src);
    out.push_back({dest, mode, readFile(src)});
  };
  auto addCa = [&](const std::string& base, bool withKey) {
    add(stateDir + "/pki/" + base + ".crt", pki + base + ".crt", 0644);
    if (withKey && fileExists(stateDir + "/pki/" + base + ".key"))  // an external CA ships no key
      add(stateDir + "/pki/" + base + ".key", pki + base + ".key", 0600);
  };
  std::string hostDir = stateDir + "/hosts/" + h.name;
  auto addLeaves = [&] {
    for (const auto& spec : hostLeafSpecs(c, h)) {
      recoverKeyPair(hostDir + "/pki/" + spec.baseName + ".key", hostDir + "/pki/" + spec.baseName + ".crt");
      add(hostDir + "/pki/" + spec.baseName + ".crt", pki + spec.baseName + ".crt", 0644);
      add(hostDir + "/pki/" + spec.baseName + ".key", pki + spec.baseName + ".key", 0600);
    }
  };
  auto addKubeconfigs = [&] {
    for (const auto& kc : hostKubeconfigSpecs(c, h))
      add(hostDir + "/" + kc.fileName, "/etc/kubernetes/" + kc.fileName, 0600);
  };
  bool stacked = c.etcd.topology == EtcdTopology::Stacked;
  switch (h.role) {
    case Role::ControlPlane:
      addCa("ca", true);
      addCa("front-proxy-ca", true);
      addCa("etcd/ca", stacked);  // the etcd CA key lives where etcd members are
      add(stateDir + "/pki/sa.key", pki + "sa.key", 0600);
      add(stateDir + "/pki/sa.pub", pki + "sa.pub", 0600);  // kubeadm writes sa.pub 0600 too
      addLeaves();
      addKubeconfigs();
      break;
    case Role::Etcd:
      addCa("etcd/ca", false);
      addLeaves();
      break;
    case Role::Worker:
      addCa("ca", false);
      addKubeconfigs();
      break;
  }
  return out;
}

}  // namespace kforge::pki

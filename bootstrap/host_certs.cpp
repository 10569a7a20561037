#include "bootstrap/host_certs.hpp"

#include <cstdio>
#include <sstream>

#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/cert_specs.hpp"
#include "pki/kubeconfig.hpp"
#include "pki/node_layout.hpp"
#include "pki/served_cert.hpp"

namespace kforge {

std::string hostCertsScript() {
  return R"SH(set +e
cd /etc/kubernetes 2>/dev/null || exit 0
for f in $(find pki -type f -name '*.crt' 2>/dev/null | sort); do echo "==cert $f"; cat "$f"; echo; done
for f in *.conf; do
  [ -f "$f" ] || continue
  echo "==cert $f"
  d=$(sed -n 's/^ *client-certificate-data: *//p' "$f" | head -n 1)
  if [ -n "$d" ]; then
    printf '%s\n' "$d" | base64 -d 2>/dev/null
  else
    p=$(sed -n 's/^ *client-certificate: *//p' "$f" | head -n 1)
    [ -n "$p" ] && [ -f "$p" ] && sed -n '/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p' "$p"
  fi
  echo
done
for k in pki/ca.key pki/front-proxy-ca.key pki/etcd/ca.key; do [ -f "$k" ] && echo "==key $k"; done
exit 0
)SH";
}

HostCerts parseHostCerts(const std::string& output) {
  HostCerts h;
  std::istringstream in(output);
  std::string line, current;
  while (std::getline(in, line)) {
    if (line.rfind("==cert ", 0) == 0) {
      current = line.substr(7);
      h.pems[current];
      continue;
    }
    if (line.rfind("==key ", 0) == 0) {
      h.caKeys.insert(line.substr(6));
      current.clear();
      continue;
    }
    if (!current.empty()) h.pems[current] += line + "\n";
  }
  for (auto it = h.pems.begin(); it != h.pems.end();)
    it = it->second.find("-----BEGIN CERTIFICATE-----") == std::string::npos ? h.pems.erase(it) : std::next(it);
  return h;
}

namespace {

pki::NodeKind kindOf(const Cluster& c, const Host& h) {
  if (h.role == Role::ControlPlane)
    return c.etcd.topology == EtcdTopology::Stacked ? pki::NodeKind::ControlPlaneStacked : pki::NodeKind::ControlPlaneExternal;
  if (h.role == Role::Etcd) return pki::NodeKind::Etcd;
  return pki::NodeKind::Worker;
}

// The state dir's copy of a host file ("pki/etcd/server.crt", "admin.conf"), as a PEM certificate; "" if none.
std::string statePem(const std::string& stateDir, const std::string& host, const std::string& rel, bool kubeconfig) {
  std::string path;
  if (rel == "pki/ca.crt" || rel == "pki/front-proxy-ca.crt" || rel == "pki/etcd/ca.crt")
    path = stateDir + "/" + rel;
  else
    path = stateDir + "/hosts/" + host + "/" + rel;
  if (!fileExists(path)) return "";
  try {
    std::string text = readFile(path);
    return kubeconfig ? pki::parseKubeconfig(text, path).certPem : text;
  } catch (const std::exception&) {
    return "";
  }
}

HostCertRow row(const std::string& name, const std::string& rel, bool kubeconfig, const std::string& caBase, bool ca,
                const HostCerts& onHost, const Cluster& c, const Host& h, const std::string& stateDir) {
  HostCertRow r;
  r.name = name;
  r.ca = ca;
  auto it = onHost.pems.find(rel);
  if (it == onHost.pems.end()) {
    r.missing = true;
    return r;
  }
  try {
    auto cert = pki::parseCertPem(it->second, h.name + ":/etc/kubernetes/" + rel);
    r.expires = pki::inspectCert(cert.get()).notAfter;
    r.serial = pki::certSerialHex(it->second, rel);
  } catch (const std::exception&) {
    r.missing = true;
    return r;
  }
  if (!ca) r.caName = pki::caDisplayName(caBase);
  // kubeadm: "externally managed" when the CA's certificate is there but not its key (control planes only:
  // etcd hosts and workers never hold CA keys).
  std::string caRel = "pki/" + caBase + ".key";
  r.externallyManaged = h.role == Role::ControlPlane && !onHost.caKeys.count(caRel) &&
                        onHost.pems.count("pki/" + caBase + ".crt");
  std::string s = statePem(stateDir, h.name, rel, kubeconfig);
  if (!s.empty()) {
    try {
      r.stateSerial = pki::certSerialHex(s, rel);
    } catch (const std::exception&) {
    }
  }
  (void)c;
  return r;
}

}  // namespace

HostCertReport hostCertReport(const Cluster& c, const Host& h, const HostCerts& onHost, const std::string& stateDir) {
  HostCertReport rep;
  rep.host = h.name;
  pki::NodeKind kind = kindOf(c, h);
  for (const auto& k : pki::knownCertsFor(kind)) {
    std::string rel = k.kubeconfig ? k.baseName : "pki/" + k.baseName + ".crt";
    rep.rows.push_back(row(k.name, rel, k.kubeconfig, k.caBaseName, false, onHost, c, h, stateDir));
  }
  if (h.role != Role::Etcd || c.etcd.runAs != EtcdRunAs::Systemd)
    rep.rows.push_back(row("kubelet.conf", "kubelet.conf", true, "ca", false, onHost, c, h, stateDir));
  for (const auto& base : pki::knownCasFor(kind)) {
    auto r = row(pki::caDisplayName(base), "pki/" + base + ".crt", false, base, true, onHost, c, h, stateDir);
    rep.rows.push_back(r);
  }
  return rep;
}

pki::ExpirationInfo HostCertReport::info() const {
  pki::ExpirationInfo info;
  for (const auto& r : rows) {
    pki::ExpirationEntry e{r.name, r.missing, r.expires, r.caName, r.externallyManaged};
    (r.ca ? info.certificateAuthorities : info.certificates).push_back(e);
  }
  return info;
}

std::vector<std::string> expiringWithin(const std::vector<HostCertReport>& reports, std::time_t now, int warnDays) {
  std::vector<std::string> out;
  for (const auto& rep : reports)
    for (const auto& r : rep.rows)
      if (!r.missing && r.expires - now < static_cast<std::time_t>(warnDays) * 86400)
        out.push_back(rep.host + "/" + r.name + " (" + pki::shortHumanDuration(r.expires - now) + ")");
  return out;
}

std::string certMetrics(const std::string& cluster, const std::vector<HostCertReport>& reports, std::time_t now) {
  std::string out =
      "# HELP kforge_certificate_expiry_days Days until the certificate on the host expires (negative: expired).\n"
      "# TYPE kforge_certificate_expiry_days gauge\n";
  std::string differs =
      "# HELP kforge_certificate_differs_from_state_dir 1 when the host's certificate is not the state dir's copy.\n"
      "# TYPE kforge_certificate_differs_from_state_dir gauge\n";
  auto label = [&](const std::string& host, const HostCertRow& r) {
    return "{cluster=\"" + cluster + "\",host=\"" + host + "\",certificate=\"" + r.name + "\",kind=\"" +
           (r.ca ? "ca" : "certificate") + "\"}";
  };
  for (const auto& rep : reports)
    for (const auto& r : rep.rows) {
      if (r.missing) continue;
      char days[32];
      std::snprintf(days, sizeof days, "%.3f", static_cast<double>(r.expires - now) / 86400.0);
      out += "kforge_certificate_expiry_days" + label(rep.host, r) + " " + days + "\n";
      differs += "kforge_certificate_differs_from_state_dir" + label(rep.host, r) + (r.differs() ? " 1\n" : " 0\n");
    }
  out += differs;
  out += "# HELP kforge_certificate_check_timestamp_seconds Unix time of the last certificate check.\n"
         "# TYPE kforge_certificate_check_timestamp_seconds gauge\n"
         "kforge_certificate_check_timestamp_seconds{cluster=\"" + cluster + "\"} " + std::to_string(now) + "\n";
  return out;
}

}  // namespace kforge

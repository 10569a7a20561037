#include "pki/expiration.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/cert_specs.hpp"
#include "pki/kubeconfig.hpp"

namespace kforge::pki {

namespace {

std::time_t notAfterOf(const std::string& path, bool kubeconfig) {
  std::string text = readFile(path);
  std::string pem = kubeconfig ? parseKubeconfig(text, path).certPem : text;
  return inspectCert(parseCertPem(pem, path).get()).notAfter;
}

using Lines = std::vector<std::vector<std::string>>;

void writeLines(const Lines& lines, size_t line0, size_t line1, const std::vector<int>& widths, std::string& out) {
  for (size_t i = line0; i < line1; ++i) {
    const auto& line = lines[i];
    for (size_t j = 0; j < line.size(); ++j) {
      out += line[j];
      if (j < widths.size()) out.append(static_cast<size_t>(std::max(0, widths[j] - static_cast<int>(line[j].size()))), ' ');
    }
    out += '\n';
  }
}

// A port of the column-block algorithm of Go's text/tabwriter (Writer.format).
void format(const Lines& lines, size_t line0, size_t line1, std::vector<int>& widths, int minwidth, int padding,
            std::string& out) {
  size_t column = widths.size();
  for (size_t t = line0; t < line1; ++t) {
    if (column + 1 >= lines[t].size()) continue;
    writeLines(lines, line0, t, widths, out);
    line0 = t;
    int width = minwidth;
    for (; t < line1; ++t) {
      if (column + 1 >= lines[t].size()) break;
      width = std::max(width, static_cast<int>(lines[t][column].size()) + padding);
    }
    widths.push_back(width);
    format(lines, line0, t, widths, minwidth, padding, out);
    widths.pop_back();
    line0 = t;
  }
  writeLines(lines, line0, line1, widths, out);
}

std::string yesNo(bool b) { return b ? "yes" : "no"; }

std::string padRight(std::string s, size_t n) {  // Go's %-8v
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

}  // namespace

std::string goTabwriter(const std::string& text, int minwidth, int padding) {
  Lines lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    std::vector<std::string> cells;
    size_t p = 0;
    for (size_t tab; (tab = line.find('\t', p)) != std::string::npos; p = tab + 1) cells.push_back(line.substr(p, tab - p));
    cells.push_back(line.substr(p));
    lines.push_back(std::move(cells));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::string out;
  std::vector<int> widths;
  format(lines, 0, lines.size(), widths, minwidth, padding, out);
  return out;
}

std::string shortHumanDuration(std::int64_t seconds) {
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds / 60 < 60) return std::to_string(seconds / 60) + "m";
  std::int64_t hours = seconds / 3600;
  if (hours < 24) return std::to_string(hours) + "h";
  if (hours < 24 * 365) return std::to_string(hours / 24) + "d";
  return std::to_string(static_cast<std::int64_t>(static_cast<double>(seconds) / 3600.0 / 24.0 / 365.0)) + "y";
}

ExpirationInfo checkExpiration(const NodeLayout& layout) {
  NodeKind kind = layout.resolvedKind();
  ExpirationInfo info;
  auto external = [&](const std::string& caBase) {
    return caKeyExpected(layout, kind, caBase) && fileExists(layout.caDir + "/" + caBase + ".crt") &&
           !fileExists(layout.caDir + "/" + caBase + ".key");
  };
  for (const auto& k : knownCertsFor(kind)) {
    ExpirationEntry e;
    e.name = k.name;
    std::string path = certPath(layout, k);
    if (!fileExists(path)) {
      e.missing = true;
    } else {
      e.expires = notAfterOf(path, k.kubeconfig);
      e.caName = caDisplayName(k.caBaseName);
      e.externallyManaged = external(k.caBaseName);
    }
    info.certificates.push_back(e);
  }
  for (const auto& base : knownCasFor(kind)) {
    ExpirationEntry e;
    e.name = caDisplayName(base);
    std::string path = layout.caDir + "/" + base + ".crt";
    if (!fileExists(path)) {
      e.missing = true;
    } else {
      e.expires = notAfterOf(path, false);
      e.externallyManaged = external(base);
    }
    info.certificateAuthorities.push_back(e);
  }
  return info;
}

std::string renderExpirationText(const ExpirationInfo& info, std::time_t now) {
  std::string t = "CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED\n";
  for (const auto& e : info.certificates) {
    if (e.missing) {
      t += "!MISSING! " + e.name + "\t\t\t\t\n";
      continue;
    }
    t += e.name + "\t" + formatKubeadmDate(e.expires) + "\t" + shortHumanDuration(e.expires - now) + "\t" + e.caName +
         "\t" + padRight(yesNo(e.externallyManaged), 8) + "\n";
  }
  t += "\nCERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED\n";
  for (const auto& e : info.certificateAuthorities) {
    if (e.missing) {
      t += "!MISSING! " + e.name + "\t\t\t\n";
      continue;
    }
    t += e.name + "\t" + formatKubeadmDate(e.expires) + "\t" + shortHumanDuration(e.expires - now) + "\t" +
         padRight(yesNo(e.externallyManaged), 8) + "\n";
  }
  return goTabwriter(t, 10, 3);
}

std::string renderExpirationJson(const ExpirationInfo& info, std::time_t now) {
  auto entry = [&](const ExpirationEntry& e, bool withCa) {
    nlohmann::ordered_json j;
    j["name"] = e.name;
    if (e.missing) {
      j["missing"] = true;
      j["externallyManaged"] = false;
      return j;
    }
    j["expirationDate"] = formatRfc3339(e.expires);
    j["residualTime"] = static_cast<std::int64_t>(e.expires - now);
    if (withCa) j["certificateAuthority"] = e.caName;
    j["externallyManaged"] = e.externallyManaged;
    return j;
  };
  nlohmann::ordered_json j;
  j["kind"] = "CertificateExpirationInfo";
  j["apiVersion"] = "output.kubeadm.k8s.io/v1alpha3";
  j["certificates"] = nlohmann::ordered_json::array();
  for (const auto& e : info.certificates) j["certificates"].push_back(entry(e, true));
  j["certificateAuthorities"] = nlohmann::ordered_json::array();
  for (const auto& e : info.certificateAuthorities) j["certificateAuthorities"].push_back(entry(e, false));
  return j.dump(2) + "\n";
}

}  // namespace kforge::pki

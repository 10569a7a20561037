// A kube-apiserver health probe (GET /readyz, /livez, /version) over HTTPS with a kubeconfig's client
// certificate, through libcurl; the PEMs stay in memory (curl's *_BLOB options), never on disk.
#pragma once
#include <string>

#include "pki/kubeconfig.hpp"

namespace kforge {

struct ProbeResult {
  long status = 0;     // HTTP status, 0 = no answer
  std::string body;
  std::string error;   // transport error, "" when the server answered
  bool ok() const { return status == 200; }
};

// url: e.g. "https://127.0.1.11:6443/readyz". Timeout in milliseconds.
ProbeResult probeApi(const pki::Kubeconfig& kc, const std::string& url, long timeoutMs = 5000);
// Any request: method, JSON body (empty = none) with its content type (e.g. application/merge-patch+json).
ProbeResult apiRequest(const pki::Kubeconfig& kc, const std::string& method, const std::string& url,
                       const std::string& body = "", const std::string& contentType = "application/json",
                       long timeoutMs = 5000);

}  // namespace kforge

#include "bootstrap/api_probe.hpp"

#include <curl/curl.h>

#include "core/dial.hpp"

namespace kforge {

namespace {
size_t collect(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}
}  // namespace

ProbeResult probeApi(const pki::Kubeconfig& kc, const std::string& url, long timeoutMs) {
  return apiRequest(kc, "GET", url, "", "", timeoutMs);
}

ProbeResult apiRequest(const pki::Kubeconfig& kc, const std::string& method, const std::string& url,
                       const std::string& body, const std::string& contentType, long timeoutMs) {
  ProbeResult r;
  CURL* h = curl_easy_init();
  if (!h) {
    r.error = "curl_easy_init failed";
    return r;
  }
  curl_blob ca{const_cast<char*>(kc.caPem.data()), kc.caPem.size(), CURL_BLOB_COPY};
  curl_blob cert{const_cast<char*>(kc.certPem.data()), kc.certPem.size(), CURL_BLOB_COPY};
  curl_blob key{const_cast<char*>(kc.keyPem.data()), kc.keyPem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  struct curl_slist* connectTo = nullptr;
  if (std::string ct = curlConnectTo(url); !ct.empty()) {  // through the bastion (core/dial.hpp)
    connectTo = curl_slist_append(nullptr, ct.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, connectTo);
  }
  curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
  curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
  curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
  curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  struct curl_slist* headers = nullptr;
  if (!body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    headers = curl_slist_append(headers, ("Content-Type: " + contentType).c_str());
  }
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  char err[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  else r.error = err[0] ? err : curl_easy_strerror(rc);
  curl_easy_cleanup(h);
  curl_slist_free_all(headers);
  curl_slist_free_all(connectTo);
  return r;
}

}  // namespace kforge

#include "kube/client.hpp"

#include <curl/curl.h>

#include <mutex>

#include "core/dial.hpp"
#include "core/log.hpp"
#include "core/printable.hpp"
#include "kube/merge.hpp"
#include "kube/paths.hpp"

namespace kforge::kube {

using nlohmann::json;

namespace {

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t collect(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// "https://host:port/x" → host, port (443 when absent). IPv6 literals keep their brackets.
void splitUrl(const std::string& url, std::string& scheme, std::string& host, std::string& port) {
  std::string rest = url;
  if (auto p = rest.find("://"); p != std::string::npos) {
    scheme = rest.substr(0, p);
    rest = rest.substr(p + 3);
  } else {
    scheme = "https";
  }
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (rest.find(']') == std::string::npos || colon > rest.find(']'))) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    host = rest;
    port = scheme == "http" ? "80" : "443";
  }
}

}  // namespace

std::string toString(ApplyAction a) {
  switch (a) {
    case ApplyAction::Created: return "created";
    case ApplyAction::Updated: return "updated";
    case ApplyAction::Unchanged: return "unchanged";
  }
  return "?";
}

std::string urlEncode(const std::string& s) {
  globalInit();
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  if (!e) throw Error("cannot URL-encode \"" + s + "\"");
  std::string out(e);
  curl_free(e);
  return out;
}

struct KubeClient::Impl {
  Credentials creds;
  ClientOptions opts;
  CURL* h = nullptr;
  curl_slist* connectTo = nullptr;
  std::string base;  // URL prefix requests go to (the server, or tls-server-name with CONNECT_TO)
  char err[CURL_ERROR_SIZE] = {};

  ~Impl() {
    if (h) curl_easy_cleanup(h);
    if (connectTo) curl_slist_free_all(connectTo);
  }

  void setup() {
    globalInit();
    h = curl_easy_init();
    if (!h) throw Error("curl_easy_init failed");
    base = creds.server;

    std::string scheme, host, port;
    splitUrl(creds.server, scheme, host, port);
    // tls-server-name: request the name the certificate carries and connect to the real address.
    std::string urlHost = host;
    std::string target = opts.connectTo.empty() ? host + ":" + port : opts.connectTo;
    if (opts.connectTo.empty())
      if (auto dial = dialOverride(host + ":" + port)) {  // through the bastion (core/dial.hpp)
        target = *dial;
        opts.connectTo = *dial;
      }
    if (!creds.tlsServerName.empty()) {
      urlHost = creds.tlsServerName;
      base = scheme + "://" + urlHost + ":" + port;
    }
    if (!opts.connectTo.empty() || !creds.tlsServerName.empty()) {
      const std::string entry = urlHost + ":" + port + ":" + target;
      connectTo = curl_slist_append(nullptr, entry.c_str());
      curl_easy_setopt(h, CURLOPT_CONNECT_TO, connectTo);
    }

    if (!creds.caPem.empty()) {
      curl_blob ca{const_cast<char*>(creds.caPem.data()), creds.caPem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!creds.certPem.empty()) {
      curl_blob cert{const_cast<char*>(creds.certPem.data()), creds.certPem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(creds.keyPem.data()), creds.keyPem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (creds.insecureSkipTlsVerify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, opts.connectTimeoutMs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, opts.requestTimeoutMs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, opts.userAgent.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  }

  Response perform(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& contentType) {
    Response r;
    const std::string url = base + path;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (!body.empty()) headers = curl_slist_append(headers, ("Content-Type: " + contentType).c_str());
    if (!creds.token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + creds.token).c_str());

    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
    if (body.empty() && (method == "GET" || method == "DELETE")) {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method == "GET" ? nullptr : method.c_str());
    } else {
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body.c_str());
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method == "POST" ? nullptr : method.c_str());
    }
    err[0] = '\0';
    CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      std::string msg = err[0] ? err : curl_easy_strerror(rc);
      throw Error("kube-apiserver " + creds.server + ": " + method + " " + path + ": " + msg, ExitCode::Unreachable);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    if (debugEnabled())
      logDebug("kube-apiserver " + creds.server + ": " + method + " " + printable(path, 300) + " -> " +
               std::to_string(r.status));
    return r;
  }
};

KubeClient::KubeClient(Credentials creds, ClientOptions opts) : impl_(std::make_unique<Impl>()) {
  if (creds.server.empty()) throw Error("kube client: no server URL", ExitCode::InvalidInput);
  while (!creds.server.empty() && creds.server.back() == '/') creds.server.pop_back();
  impl_->creds = std::move(creds);
  impl_->opts = std::move(opts);
  impl_->setup();
}

KubeClient KubeClient::fromKubeconfig(const std::string& path, ClientOptions opts, const std::string& context) {
  return KubeClient(loadKubeconfig(path, context), std::move(opts));
}

KubeClient::~KubeClient() = default;
KubeClient::KubeClient(KubeClient&&) noexcept = default;
KubeClient& KubeClient::operator=(KubeClient&&) noexcept = default;

const std::string& KubeClient::server() const { return impl_->creds.server; }

Response KubeClient::request(const std::string& method, const std::string& path, const std::string& body,
                             const std::string& contentType) {
  return impl_->perform(method, path, body, contentType);
}

json KubeClient::call(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& contentType) {
  Response r = impl_->perform(method, path, body, contentType);
  if (r.status < 200 || r.status >= 300) throw ApiError(impl_->creds.server, method, path, parseStatus(r.status, r.body));
  if (r.body.empty()) return json::object();
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded())
    throw Error("kube-apiserver " + impl_->creds.server + ": " + method + " " + path + ": answer is not JSON");
  return j;
}

json KubeClient::get(const std::string& path) { return call("GET", path, "", ""); }

std::optional<json> KubeClient::getIfExists(const std::string& path) {
  try {
    return get(path);
  } catch (const ApiError& e) {
    if (e.notFound()) return std::nullopt;
    throw;
  }
}

json KubeClient::list(const std::string& path, const std::string& labelSelector, const std::string& fieldSelector) {
  std::string p = path;
  char sep = p.find('?') == std::string::npos ? '?' : '&';
  if (!labelSelector.empty()) {
    p += sep + std::string("labelSelector=") + urlEncode(labelSelector);
    sep = '&';
  }
  if (!fieldSelector.empty()) p += sep + std::string("fieldSelector=") + urlEncode(fieldSelector);
  return get(p);
}

json KubeClient::create(const std::string& collectionPath, const json& obj) {
  return call("POST", collectionPath, obj.dump(), "application/json");
}

json KubeClient::replace(const std::string& path, const json& obj) {
  return call("PUT", path, obj.dump(), "application/json");
}

json KubeClient::mergePatch(const std::string& path, const json& patch) {
  return call("PATCH", path, patch.dump(), "application/merge-patch+json");
}

json KubeClient::remove(const std::string& path) { return call("DELETE", path, "", ""); }

bool KubeClient::removeIfExists(const std::string& path) {
  try {
    remove(path);
    return true;
  } catch (const ApiError& e) {
    if (e.notFound()) return false;
    throw;
  }
}

ApplyResult KubeClient::apply(const json& obj) {
  const std::string path = objectPath(obj);
  const std::string coll = collectionPath(obj);
  const int retries = std::max(0, impl_->opts.conflictRetries);
  for (int attempt = 0;; ++attempt) {
    std::optional<json> live = getIfExists(path);
    try {
      if (!live) return {ApplyAction::Created, create(coll, obj)};
      if (alreadyApplied(obj, *live)) return {ApplyAction::Unchanged, *live};
      return {ApplyAction::Updated, replace(path, mergeForUpdate(obj, *live))};
    } catch (const ApiError& e) {
      if (!e.conflict() || attempt >= retries) throw;
    }
  }
}

ReadyzResult KubeClient::readyz(bool verbose) {
  ReadyzResult r;
  try {
    Response resp = request("GET", verbose ? "/readyz?verbose" : "/readyz");
    r.status = resp.status;
    r.ok = resp.status == 200;
    r.text = resp.body;
  } catch (const Error& e) {
    r.text = e.what();
  }
  return r;
}

std::string KubeClient::version() {
  json v = get("/version");
  if (!v.contains("gitVersion") || !v["gitVersion"].is_string())
    throw Error("kube-apiserver " + server() + ": GET /version: no gitVersion in the answer");
  return v["gitVersion"].get<std::string>();
}

json KubeClient::getNode(const std::string& name) { return get("/api/v1/nodes/" + name); }

void KubeClient::labelNode(const std::string& name, const std::map<std::string, std::optional<std::string>>& labels) {
  json node = getNode(name);
  json current = node["metadata"].value("labels", json::object());
  json patch = json::object();
  for (const auto& [k, v] : labels) {
    const bool has = current.contains(k);
    if (v && (!has || current[k] != *v)) patch[k] = *v;
    if (!v && has) patch[k] = nullptr;
  }
  if (patch.empty()) return;
  mergePatch("/api/v1/nodes/" + name, {{"metadata", {{"labels", patch}}}});
}

namespace {
// Merge patch of spec.taints guarded by the node's resourceVersion; retried on 409.
template <typename F>
bool patchTaints(KubeClient& c, const std::string& name, int retries, F compute) {
  for (int attempt = 0;; ++attempt) {
    json node = c.getNode(name);
    const json spec = node.value("spec", json::object());
    bool changed = false;
    json taints = compute(spec.contains("taints") ? spec["taints"] : json(), &changed);
    if (!changed) return false;
    json patch = {{"metadata", {{"resourceVersion", node["metadata"].value("resourceVersion", "")}}},
                  {"spec", {{"taints", taints.empty() ? json() : taints}}}};
    try {
      c.mergePatch("/api/v1/nodes/" + name, patch);
      return true;
    } catch (const ApiError& e) {
      if (!e.conflict() || attempt >= retries) throw;
    }
  }
}
}  // namespace

bool KubeClient::taintNode(const std::string& name, const std::vector<Taint>& taints) {
  return patchTaints(*this, name, impl_->opts.conflictRetries,
                     [&](const json& existing, bool* changed) { return mergeTaints(existing, taints, changed); });
}

bool KubeClient::untaintNode(const std::string& name, const std::string& key, const std::string& effect) {
  return patchTaints(*this, name, impl_->opts.conflictRetries, [&](const json& existing, bool* changed) {
    return removeTaints(existing, key, effect, changed);
  });
}

void KubeClient::cordon(const std::string& name) {
  mergePatch("/api/v1/nodes/" + name, {{"spec", {{"unschedulable", true}}}});
}

void KubeClient::uncordon(const std::string& name) {
  mergePatch("/api/v1/nodes/" + name, {{"spec", {{"unschedulable", nullptr}}}});
}

std::vector<json> KubeClient::listPodsOnNode(const std::string& node) {
  json l = list("/api/v1/pods", "", "spec.nodeName=" + node);
  std::vector<json> out;
  if (l.contains("items") && l["items"].is_array())
    for (const auto& p : l["items"]) out.push_back(p);
  return out;
}

EvictionResult KubeClient::evictPod(const std::string& ns, const std::string& name, int gracePeriodSeconds) {
  json ev = {{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
  if (gracePeriodSeconds >= 0) ev["deleteOptions"] = {{"gracePeriodSeconds", gracePeriodSeconds}};
  const std::string path = "/api/v1/namespaces/" + ns + "/pods/" + name + "/eviction";
  Response r = request("POST", path, ev.dump(), "application/json");
  EvictionResult out;
  ApiStatus st = parseStatus(r.status, r.body);
  if (r.status >= 200 && r.status < 300) {
    out.outcome = EvictionOutcome::Evicted;
    return out;
  }
  out.message = st.message;
  if (r.status == 404) {
    out.outcome = EvictionOutcome::NotFound;
    return out;
  }
  if (r.status == 429) {
    out.outcome = EvictionOutcome::BlockedByPdb;
    return out;
  }
  throw ApiError(server(), "POST", path, st);
}

}  // namespace kforge::kube

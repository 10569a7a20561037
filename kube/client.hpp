// A minimal Kubernetes API client on libcurl: JSON in, JSON out, for the handful of calls kforge makes
// (apply addon objects, read / label / taint / cordon nodes, list and evict pods, health and version).
//
// One CURL easy handle per client, reused for every call (keep-alive; HTTP/2 over TLS when the server
// offers it). Credentials stay in memory: CA, client certificate and key go to libcurl as blobs
// (CURLOPT_CAINFO_BLOB / SSLCERT_BLOB / SSLKEY_BLOB), never through a temporary file.
// A KubeClient is not thread-safe: use one per thread.
//
// Errors: a server error status throws kube::ApiError (a kforge::Error), e.g.
//   kube-apiserver https://10.0.0.10:6443: GET /api/v1/nodes/x: 404 NotFound: nodes "x" not found
// a transport failure throws kforge::Error (ExitCode::Unreachable) with curl's message.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/inventory.hpp"
#include "kube/kubeconfig.hpp"
#include "kube/status.hpp"

namespace kforge::kube {

struct ClientOptions {
  long connectTimeoutMs = 5000;
  long requestTimeoutMs = 30000;
  // Send the connection somewhere else than the server URL's host:port (a local SSH port forward), keeping
  // the URL's host for SNI and certificate checks: "127.0.0.1:16443". libcurl CURLOPT_CONNECT_TO.
  std::string connectTo;
  std::string userAgent = "kforge";
  int conflictRetries = 5;  // apply(): how often a 409 Conflict is retried with a fresh GET
};

// A raw HTTP exchange (no error handling): for callers that want to look at the status themselves.
struct Response {
  long status = 0;
  std::string body;
};

enum class ApplyAction { Created, Updated, Unchanged };
std::string toString(ApplyAction);

struct ApplyResult {
  ApplyAction action = ApplyAction::Unchanged;
  nlohmann::json object;  // the object as the server returned it (the live one when unchanged)
};

struct ReadyzResult {
  bool ok = false;
  long status = 0;   // HTTP status, 0 = no answer
  std::string text;  // the body (check list with verbose), or the transport error
};

enum class EvictionOutcome {
  Evicted,       // 200/201: the pod is being deleted
  NotFound,      // 404: the pod is already gone
  BlockedByPdb,  // 429: a PodDisruptionBudget does not allow it now; retry later
};

struct EvictionResult {
  EvictionOutcome outcome = EvictionOutcome::Evicted;
  std::string message;  // the server's message (which PDB, why)
};

class KubeClient {
 public:
  explicit KubeClient(Credentials creds, ClientOptions opts = {});
  // loadKubeconfig(path, context) then the constructor.
  static KubeClient fromKubeconfig(const std::string& path, ClientOptions opts = {}, const std::string& context = "");
  ~KubeClient();
  KubeClient(KubeClient&&) noexcept;
  KubeClient& operator=(KubeClient&&) noexcept;
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  const std::string& server() const;

  // ---- raw
  // method: GET POST PUT PATCH DELETE. path: "/api/v1/nodes?limit=1" (already encoded).
  Response request(const std::string& method, const std::string& path, const std::string& body = "",
                   const std::string& contentType = "application/json");

  // ---- JSON calls (throw ApiError on an error status)
  nlohmann::json get(const std::string& path);
  std::optional<nlohmann::json> getIfExists(const std::string& path);  // nullopt on 404
  // A collection (e.g. "/api/v1/pods") with optional selectors; returns the List object (items[]).
  nlohmann::json list(const std::string& path, const std::string& labelSelector = "",
                      const std::string& fieldSelector = "");
  nlohmann::json create(const std::string& collectionPath, const nlohmann::json& obj);
  nlohmann::json replace(const std::string& path, const nlohmann::json& obj);
  nlohmann::json mergePatch(const std::string& path, const nlohmann::json& patch);  // application/merge-patch+json
  // DELETE; returns the server's answer (the object or a Status). Throws ApiError on 404 too.
  nlohmann::json remove(const std::string& path);
  bool removeIfExists(const std::string& path);  // false on 404

  // Create or update `obj` at its path (kube/paths.hpp): GET; 404 → POST; live already matching → nothing;
  // else PUT mergeForUpdate(obj, live) (kube/merge.hpp). A 409 Conflict (someone wrote in between) or a
  // 409 AlreadyExists on the POST is retried with a fresh GET, up to ClientOptions::conflictRetries times.
  ApplyResult apply(const nlohmann::json& obj);

  // ---- health and version
  ReadyzResult readyz(bool verbose = false);  // never throws
  std::string version();                      // /version → gitVersion, e.g. "v1.31.2"

  // ---- nodes
  nlohmann::json getNode(const std::string& name);
  // Sets labels (a nullopt value removes the label). One merge patch; no call when nothing changes.
  void labelNode(const std::string& name, const std::map<std::string, std::optional<std::string>>& labels);
  // Adds or updates taints (identity: key + effect), keeping the others. Idempotent; no write when unchanged.
  // Returns true when the node was changed.
  bool taintNode(const std::string& name, const std::vector<Taint>& taints);
  bool untaintNode(const std::string& name, const std::string& key, const std::string& effect = "");
  void cordon(const std::string& name);    // spec.unschedulable = true
  void uncordon(const std::string& name);  // spec.unschedulable = false (removes the field)
  std::vector<nlohmann::json> listPodsOnNode(const std::string& node);
  // POST policy/v1 Eviction to /api/v1/namespaces/<ns>/pods/<name>/eviction.
  // gracePeriodSeconds < 0 = the pod's own. Other error statuses throw ApiError.
  EvictionResult evictPod(const std::string& ns, const std::string& name, int gracePeriodSeconds = -1);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  nlohmann::json call(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& contentType);
};

// "a=b,c" → "a%3Db%2Cc" (query parameter encoding through libcurl).
std::string urlEncode(const std::string& s);

}  // namespace kforge::kube

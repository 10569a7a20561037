// etcd v3 client over etcd's native gRPC API with mutual TLS (etcd CA + a client cert, e.g. healthcheck-client).
// One protocol for every call: the snapshot stream needs gRPC for speed (reference/etcd.md), so everything uses it.
// Member ids are uint64 throughout (never doubles). Calls that concern "the cluster" try each endpoint in turn
// (failover); calls that concern one member (status, defragment, snapshot) take that member's endpoint.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace kforge::etcd {

struct TlsFiles {
  std::string caFile;    // etcd CA (PEM)
  std::string certFile;  // client certificate (PEM), ClientAuth EKU
  std::string keyFile;   // client key (PEM)
  bool empty() const { return caFile.empty(); }  // empty = plaintext (tests only)
};

struct Member {
  uint64_t id = 0;
  std::string name;  // empty while an added member has not started yet
  std::vector<std::string> peerURLs;
  std::vector<std::string> clientURLs;
  bool isLearner = false;
  bool started() const { return !name.empty(); }
};

struct MemberStatus {
  std::string endpoint;
  uint64_t memberId = 0;
  std::string version;
  int64_t dbSize = 0;
  int64_t dbSizeInUse = 0;
  uint64_t leader = 0;
  uint64_t raftIndex = 0;
  uint64_t raftTerm = 0;
  uint64_t raftAppliedIndex = 0;
  int64_t revision = 0;
  std::vector<std::string> errors;  // "etcdserver: no leader", alarms
  bool isLearner = false;
  bool isLeader() const { return memberId != 0 && memberId == leader; }
};

struct Alarm {
  uint64_t memberId = 0;
  std::string alarm;  // NOSPACE | CORRUPT
};

struct KeyValue {
  std::string key;
  std::string value;
  int64_t createRevision = 0;
  int64_t modRevision = 0;
  int64_t version = 0;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  int64_t count = 0;
  int64_t revision = 0;
  bool more = false;
};

struct SnapshotResult {
  uint64_t bytes = 0;         // database bytes (without the trailing hash)
  std::string sha256Hex;      // of the database bytes, checked against the server's trailing hash
  std::string fileSha256Hex;  // of everything given to the sink (database bytes + trailer): the .db file's hash
  int64_t revision = 0;       // header revision of the first response
  uint64_t memberId = 0;
};

// Failures throw kforge::Error (core/error.hpp).

class Client {
 public:
  // endpoints: "host:port" or "https://host:port". timeout applies to each unary call.
  Client(std::vector<std::string> endpoints, TlsFiles tls,
         std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::vector<std::string>& endpoints() const { return endpoints_; }
  // How long etcd's transient answers ("unhealthy cluster", learner not in sync, leader changed) are retried,
  // every 500 ms, before the call fails. Default 2 minutes, as kubeadm.
  void setRetryFor(std::chrono::milliseconds d);
  // Seconds this process has spent (in all clients) waiting to retry etcd's transient answers — e.g. etcd refusing
  // membership changes for 5 s after the previous one, or a learner catching up. Reported as waiting time.
  static double retriedSeconds();

  // Cluster (failover across endpoints).
  std::vector<Member> memberList();
  // Adds a member; returns the new member (id) and the member list after the change.
  Member memberAdd(const std::vector<std::string>& peerURLs, bool learner);
  void memberPromote(uint64_t id);
  void memberRemove(uint64_t id);
  void memberUpdate(uint64_t id, const std::vector<std::string>& peerURLs);

  // Per-member.
  MemberStatus status(const std::string& endpoint);
  void defragment(const std::string& endpoint, std::chrono::milliseconds timeout = std::chrono::minutes(5));
  // Health of one member as etcdctl checks it: a linearizable read succeeds and no alarm is raised.
  // Returns an empty string when healthy, else the reason.
  std::string health(const std::string& endpoint);

  // Alarms (cluster-wide).
  std::vector<Alarm> alarms();
  void disarm(const Alarm& a);
  // Moves leadership to target; sent to the current leader, found by asking every endpoint.
  void moveLeader(uint64_t targetId);

  // KV.
  RangeResult range(const std::string& key, const std::string& rangeEnd = "", int64_t limit = 0,
                    bool countOnly = false, bool keysOnly = false);
  int64_t put(const std::string& key, const std::string& value);  // returns the revision
  int64_t deleteRange(const std::string& key, const std::string& rangeEnd = "");  // returns number deleted

  // Streams a snapshot from one member into sink (called with each chunk of database bytes, in order,
  // followed by the 32-byte trailing SHA-256 exactly as etcdctl writes it). Verifies the trailing hash while
  // streaming; throws kforge::Error on mismatch or a broken stream. Memory is bounded by one chunk.
  SnapshotResult snapshot(const std::string& endpoint,
                          const std::function<void(const char*, size_t)>& sink);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> endpoints_;
};

// "host:port" for an endpoint given as "https://host:port" or "host:port".
std::string endpointTarget(const std::string& endpoint);
// Member id printed as etcdctl does (lowercase hex, no padding).
std::string memberIdHex(uint64_t id);

}  // namespace kforge::etcd

// etcd gRPC client: channels, error mapping, membership, maintenance and KV calls.
#include "etcdctl/client.hpp"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

#include "core/dial.hpp"
#include "core/net.hpp"

namespace kforge::etcd {

namespace pb = etcdserverpb;

std::string endpointTarget(const std::string& endpoint) {
  for (const char* scheme : {"https://", "http://"}) {
    std::string s(scheme);
    if (endpoint.rfind(s, 0) == 0) return endpoint.substr(s.size());
  }
  return endpoint;
}

std::string memberIdHex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(id));
  return buf;
}

namespace {

const char* codeName(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::CANCELLED: return "Canceled";
    case grpc::StatusCode::INVALID_ARGUMENT: return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND: return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS: return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED: return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FailedPrecondition";
    case grpc::StatusCode::ABORTED: return "Aborted";
    case grpc::StatusCode::UNIMPLEMENTED: return "Unimplemented";
    case grpc::StatusCode::INTERNAL: return "Internal";
    case grpc::StatusCode::UNAVAILABLE: return "Unavailable";
    case grpc::StatusCode::UNAUTHENTICATED: return "Unauthenticated";
    default: return "Unknown";
  }
}

// Whether a failed call may succeed on another endpoint (transport trouble) or is an answer from etcd.
bool retryElsewhere(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// etcd's own answers that clear up by themselves (kubeadm retries these every 500 ms for up to 2 minutes).
bool transientEtcdAnswer(const grpc::Status& s) {
  const std::string& m = s.error_message();
  for (const char* t : {"etcdserver: unhealthy cluster", "etcdserver: leader changed", "etcdserver: no leader",
                        "etcdserver: too many requests", "etcdserver: request timed out",
                        "can only promote a learner member which is in sync with leader"})
    if (m.find(t) != std::string::npos) return true;
  return false;
}

[[noreturn]] void fail(const std::string& endpoint, const std::string& what, const grpc::Status& s) {
  std::string msg = s.error_message();
  std::string hint;
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE && msg.rfind("etcdserver:", 0) != 0)
    hint = " (is etcd running there, and do the client certificate and CA match the cluster?)";
  throw kforge::Error("etcd " + endpoint + ": " + what + ": " + msg + " [" + codeName(s.error_code()) + "]" + hint);
}

std::string readPem(const std::string& path, const char* what) {
  try {
    return kforge::readFile(path);
  } catch (const kforge::Error& e) {
    throw kforge::Error(std::string("etcd client ") + what + ": " + e.what());
  }
}

Member toMember(const pb::Member& m) {
  Member out;
  out.id = m.id();
  out.name = m.name();
  out.peerURLs.assign(m.peerurls().begin(), m.peerurls().end());
  out.clientURLs.assign(m.clienturls().begin(), m.clienturls().end());
  out.isLearner = m.islearner();
  return out;
}

}  // namespace

struct Client::Impl {
  TlsFiles tls;
  std::chrono::milliseconds timeout;
  std::chrono::milliseconds retryFor{std::chrono::minutes(2)};
  std::shared_ptr<grpc::ChannelCredentials> creds;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;

  std::shared_ptr<grpc::Channel> channel(const std::string& endpoint) {
    std::lock_guard lock(mu);
    auto& ch = channels[endpoint];
    if (!ch) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
      args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
      // kforge waits for members that are starting: retry connecting quickly instead of gRPC's default
      // exponential backoff up to 2 minutes (which made a member that came up late look down for minutes).
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
      args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
      // One channel per endpoint, never shared with another Client: retries across endpoints are ours.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      // Bounded receive buffering for the snapshot stream: with gRPC's BDP probing on, the HTTP/2 window grew
      // until ~100 MB of a 1.1 GB snapshot sat in gRPC's buffers whenever etcd sent faster than we hashed and
      // wrote (peak RSS 116 MiB, bench/snapshot). A fixed 2 MiB per-stream window keeps at most that much in
      // flight; 2 MiB per round trip still allows ~1 GB/s at 2 ms RTT.
      args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
      args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 2 * 1024 * 1024);
      std::string target = endpointTarget(endpoint);
      if (auto dial = dialOverride(target)) {
        // Through the bastion's port forward (core/dial.hpp); the certificate is still checked against the
        // member's address.
        std::string host;
        int port = 0;
        splitHostPort(target, host, port);
        args.SetSslTargetNameOverride(host);
        target = *dial;
      }
      ch = grpc::CreateCustomChannel(target, creds, args);
    }
    return ch;
  }

  void deadline(grpc::ClientContext& ctx, std::chrono::milliseconds t) const {
    ctx.set_deadline(std::chrono::system_clock::now() + t);
  }
};

Client::Client(std::vector<std::string> endpoints, TlsFiles tls, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), endpoints_(std::move(endpoints)) {
  if (endpoints_.empty()) throw kforge::Error("etcd client: no endpoints given");
  impl_->tls = tls;
  impl_->timeout = timeout;
  if (tls.empty()) {
    impl_->creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = readPem(tls.caFile, "CA");
    o.pem_cert_chain = readPem(tls.certFile, "certificate");
    o.pem_private_key = readPem(tls.keyFile, "key");
    impl_->creds = grpc::SslCredentials(o);
  }
}

Client::~Client() = default;

void Client::setRetryFor(std::chrono::milliseconds d) { impl_->retryFor = d; }

static std::atomic<double> gRetriedSeconds{0};
double Client::retriedSeconds() { return gRetriedSeconds.load(); }

// Runs call(endpoint) on each endpoint in turn until one answers. etcd's transient answers ("unhealthy
// cluster" right after a leader change, a learner not yet in sync) are retried every 500 ms for up to
// retryFor; other etcd errors are final; unreachable endpoints fail over to the next one.
template <typename F>
static auto onAnyEndpoint(const std::vector<std::string>& endpoints, const char* what,
                          std::chrono::milliseconds retryFor, F&& call) {
  auto until = std::chrono::steady_clock::now() + retryFor;
  while (true) {
    grpc::Status last;
    std::string lastEp;
    bool transient = false;
    for (const auto& ep : endpoints) {
      auto [status, value] = call(ep);
      if (status.ok()) return value;
      last = status;
      lastEp = ep;
      if (transientEtcdAnswer(status)) {
        transient = true;
        break;
      }
      if (!retryElsewhere(status)) fail(ep, what, status);
    }
    if (!transient || std::chrono::steady_clock::now() >= until)
      fail(endpoints.size() == 1 || transient ? lastEp : "(all " + std::to_string(endpoints.size()) + " endpoints)",
           what, last);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    gRetriedSeconds.store(gRetriedSeconds.load() + 0.5);
  }
}

std::vector<Member> Client::memberList() {
  return onAnyEndpoint(endpoints_, "member list", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::Cluster::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::MemberListRequest req;
    pb::MemberListResponse resp;
    auto s = stub->MemberList(&ctx, req, &resp);
    std::vector<Member> out;
    for (const auto& m : resp.members()) out.push_back(toMember(m));
    return std::pair{s, out};
  });
}

Member Client::memberAdd(const std::vector<std::string>& peerURLs, bool learner) {
  return onAnyEndpoint(endpoints_, "member add", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::Cluster::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::MemberAddRequest req;
    for (const auto& u : peerURLs) req.add_peerurls(u);
    req.set_islearner(learner);
    pb::MemberAddResponse resp;
    auto s = stub->MemberAdd(&ctx, req, &resp);
    return std::pair{s, toMember(resp.member())};
  });
}

void Client::memberPromote(uint64_t id) {
  onAnyEndpoint(endpoints_, "member promote", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::Cluster::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::MemberPromoteRequest req;
    req.set_id(id);
    pb::MemberPromoteResponse resp;
    return std::pair{stub->MemberPromote(&ctx, req, &resp), 0};
  });
}

void Client::memberRemove(uint64_t id) {
  onAnyEndpoint(endpoints_, "member remove", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::Cluster::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::MemberRemoveRequest req;
    req.set_id(id);
    pb::MemberRemoveResponse resp;
    return std::pair{stub->MemberRemove(&ctx, req, &resp), 0};
  });
}

void Client::memberUpdate(uint64_t id, const std::vector<std::string>& peerURLs) {
  onAnyEndpoint(endpoints_, "member update", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::Cluster::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::MemberUpdateRequest req;
    req.set_id(id);
    for (const auto& u : peerURLs) req.add_peerurls(u);
    pb::MemberUpdateResponse resp;
    return std::pair{stub->MemberUpdate(&ctx, req, &resp), 0};
  });
}

MemberStatus Client::status(const std::string& endpoint) {
  auto stub = pb::Maintenance::NewStub(impl_->channel(endpoint));
  grpc::ClientContext ctx;
  impl_->deadline(ctx, impl_->timeout);
  pb::StatusRequest req;
  pb::StatusResponse resp;
  auto s = stub->Status(&ctx, req, &resp);
  if (!s.ok()) fail(endpoint, "status", s);
  MemberStatus st;
  st.endpoint = endpoint;
  st.memberId = resp.header().member_id();
  st.revision = resp.header().revision();
  st.version = resp.version();
  st.dbSize = resp.dbsize();
  st.dbSizeInUse = resp.dbsizeinuse();
  st.leader = resp.leader();
  st.raftIndex = resp.raftindex();
  st.raftTerm = resp.raftterm();
  st.raftAppliedIndex = resp.raftappliedindex();
  st.errors.assign(resp.errors().begin(), resp.errors().end());
  st.isLearner = resp.islearner();
  return st;
}

void Client::defragment(const std::string& endpoint, std::chrono::milliseconds timeout) {
  auto stub = pb::Maintenance::NewStub(impl_->channel(endpoint));
  grpc::ClientContext ctx;
  impl_->deadline(ctx, timeout);
  pb::DefragmentRequest req;
  pb::DefragmentResponse resp;
  auto s = stub->Defragment(&ctx, req, &resp);
  if (!s.ok()) fail(endpoint, "defragment", s);
}

std::string Client::health(const std::string& endpoint) {
  // As etcdctl endpoint health: a linearizable Get of "health" (a missing key is fine) plus no active alarm.
  auto kv = pb::KV::NewStub(impl_->channel(endpoint));
  grpc::ClientContext ctx;
  impl_->deadline(ctx, impl_->timeout);
  pb::RangeRequest req;
  req.set_key("health");
  pb::RangeResponse resp;
  auto s = kv->Range(&ctx, req, &resp);
  if (!s.ok() && s.error_code() != grpc::StatusCode::PERMISSION_DENIED)
    return s.error_message() + " [" + codeName(s.error_code()) + "]";
  auto m = pb::Maintenance::NewStub(impl_->channel(endpoint));
  grpc::ClientContext actx;
  impl_->deadline(actx, impl_->timeout);
  pb::AlarmRequest areq;
  areq.set_action(pb::AlarmRequest::GET);
  pb::AlarmResponse aresp;
  auto as = m->Alarm(&actx, areq, &aresp);
  if (!as.ok()) return as.error_message() + " [" + codeName(as.error_code()) + "]";
  for (const auto& a : aresp.alarms())
    if (a.alarm() != pb::NONE) return "alarm " + pb::AlarmType_Name(a.alarm()) + " on member " + memberIdHex(a.memberid());
  return "";
}

std::vector<Alarm> Client::alarms() {
  return onAnyEndpoint(endpoints_, "alarm list", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::Maintenance::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::AlarmRequest req;
    req.set_action(pb::AlarmRequest::GET);
    pb::AlarmResponse resp;
    auto s = stub->Alarm(&ctx, req, &resp);
    std::vector<Alarm> out;
    for (const auto& a : resp.alarms())
      if (a.alarm() != pb::NONE) out.push_back({a.memberid(), pb::AlarmType_Name(a.alarm())});
    return std::pair{s, out};
  });
}

void Client::disarm(const Alarm& a) {
  pb::AlarmType type;
  if (!pb::AlarmType_Parse(a.alarm, &type)) throw kforge::Error("etcd: unknown alarm type " + a.alarm);
  onAnyEndpoint(endpoints_, "alarm disarm", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::Maintenance::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::AlarmRequest req;
    req.set_action(pb::AlarmRequest::DEACTIVATE);
    req.set_memberid(a.memberId);
    req.set_alarm(type);
    pb::AlarmResponse resp;
    return std::pair{stub->Alarm(&ctx, req, &resp), 0};
  });
}

void Client::moveLeader(uint64_t targetId) {
  // MoveLeader must be sent to the current leader: find it by asking each endpoint for its status.
  std::string leaderEp;
  for (const auto& ep : endpoints_) {
    try {
      auto st = status(ep);
      if (st.isLeader()) {
        leaderEp = ep;
        break;
      }
    } catch (const kforge::Error&) {
    }
  }
  if (leaderEp.empty()) throw kforge::Error("etcd: move leader: no endpoint reports itself as leader");
  auto stub = pb::Maintenance::NewStub(impl_->channel(leaderEp));
  grpc::ClientContext ctx;
  impl_->deadline(ctx, std::max(impl_->timeout, std::chrono::milliseconds(30000)));
  pb::MoveLeaderRequest req;
  req.set_targetid(targetId);
  pb::MoveLeaderResponse resp;
  auto s = stub->MoveLeader(&ctx, req, &resp);
  if (!s.ok()) fail(leaderEp, "move leader to " + memberIdHex(targetId), s);
}

RangeResult Client::range(const std::string& key, const std::string& rangeEnd, int64_t limit, bool countOnly,
                          bool keysOnly) {
  return onAnyEndpoint(endpoints_, "range", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::KV::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::RangeRequest req;
    req.set_key(key);
    if (!rangeEnd.empty()) req.set_range_end(rangeEnd);
    req.set_limit(limit);
    req.set_count_only(countOnly);
    req.set_keys_only(keysOnly);
    pb::RangeResponse resp;
    auto s = stub->Range(&ctx, req, &resp);
    RangeResult r;
    r.count = resp.count();
    r.more = resp.more();
    r.revision = resp.header().revision();
    for (const auto& kv : resp.kvs())
      r.kvs.push_back({kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.version()});
    return std::pair{s, r};
  });
}

int64_t Client::put(const std::string& key, const std::string& value) {
  return onAnyEndpoint(endpoints_, "put", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::KV::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::PutRequest req;
    req.set_key(key);
    req.set_value(value);
    pb::PutResponse resp;
    auto s = stub->Put(&ctx, req, &resp);
    return std::pair{s, resp.header().revision()};
  });
}

int64_t Client::deleteRange(const std::string& key, const std::string& rangeEnd) {
  return onAnyEndpoint(endpoints_, "delete", impl_->retryFor, [&](const std::string& ep) {
    auto stub = pb::KV::NewStub(impl_->channel(ep));
    grpc::ClientContext ctx;
    impl_->deadline(ctx, impl_->timeout);
    pb::DeleteRangeRequest req;
    req.set_key(key);
    if (!rangeEnd.empty()) req.set_range_end(rangeEnd);
    pb::DeleteRangeResponse resp;
    auto s = stub->DeleteRange(&ctx, req, &resp);
    return std::pair{s, resp.deleted()};
  });
}

SnapshotResult Client::snapshot(const std::string& endpoint, const std::function<void(const char*, size_t)>& sink) {
  auto stub = pb::Maintenance::NewStub(impl_->channel(endpoint));
  grpc::ClientContext ctx;  // no deadline: a snapshot of a large database takes as long as it takes
  pb::SnapshotRequest req;
  auto reader = stub->Snapshot(&ctx, req);
  kforge::Sha256 md;
  SnapshotResult result;
  pb::SnapshotResponse resp;
  // The server sends data chunks (the last data chunk already has remaining_bytes == 0), then one more message
  // whose blob is the SHA-256 of all the data. Only the end of the stream tells which message was the hash, so
  // each blob is held back until the next one arrives: memory stays at two chunks.
  bool first = true;
  std::string pending;
  bool havePending = false;
  while (reader->Read(&resp)) {
    if (first) {
      result.revision = resp.header().revision();
      result.memberId = resp.header().member_id();
      first = false;
    }
    if (havePending) {
      md.update(pending.data(), pending.size());
      sink(pending.data(), pending.size());
      result.bytes += pending.size();
    }
    pending.swap(*resp.mutable_blob());
    havePending = true;
  }
  std::string trailer = std::move(pending);
  bool sawLast = havePending;
  auto s = reader->Finish();
  if (!s.ok()) fail(endpoint, "snapshot", s);
  if (!sawLast || trailer.size() != 32)
    throw kforge::Error("etcd " + endpoint + ": snapshot stream ended without its trailing SHA-256 (" +
                        std::to_string(result.bytes) + " bytes received)");
  kforge::Sha256 whole(md);  // the file hash continues the database hash with the trailer: no second pass
  whole.update(trailer.data(), trailer.size());
  result.fileSha256Hex = whole.hexDigest();
  std::string digest = md.digest();
  result.sha256Hex = kforge::toHex(digest);
  if (digest != trailer)
    throw kforge::Error("etcd " + endpoint + ": snapshot hash mismatch: computed sha256 " + result.sha256Hex +
                        ", server sent a different trailing hash; the stream was corrupted");
  sink(trailer.data(), trailer.size());
  return result;
}

}  // namespace kforge::etcd

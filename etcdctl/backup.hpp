// Verified etcd backups: streaming a snapshot to the backup directory, the metadata beside it, the catalog
// (list / get / prune) and verification (hash, and a restore drill with a throwaway etcd).
//
// On disk, per backup <id> in the backup directory:
//   <id>.db    the snapshot exactly as `etcdctl snapshot save` writes it (bolt db + 32-byte SHA-256 trailer)
//   <id>.json  the metadata (BackupMeta::toJson)
// Both are written under a fresh temporary name (.<name>.XXXXXX, core/atomic_file.hpp), fsynced and renamed, the
// .json last: a backup without its .json is not one.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "etcdctl/client.hpp"

namespace kforge::etcd {

struct BackupMeta {
  std::string id;
  std::string cluster;
  std::string member;      // member name the snapshot was streamed from
  std::string memberId;    // hex
  std::string endpoint;
  std::string etcdVersion;
  std::string kubernetesVersion;
  int64_t revision = 0;    // store revision just before the snapshot (the snapshot holds at least this)
  uint64_t dbSize = 0;     // database bytes (file size minus the 32-byte trailer)
  uint64_t fileSize = 0;
  std::string sha256;      // of the whole .db file
  std::string createdAt;   // RFC 3339, UTC
  std::string reason;      // manual | scheduled | pre-step:<step name>
  double durationSeconds = 0;
  // Verification state, updated by verify.
  std::string verifiedAt;  // empty = never verified by a restore drill
  int64_t verifiedKeys = -1;
  bool hashVerified = false;

  bool drillVerified() const { return !verifiedAt.empty(); }
  std::string dbFile() const { return id + ".db"; }
  std::string toJson() const;
  static BackupMeta fromJson(const std::string& text, const std::string& source);
};

struct BackupRequest {
  std::string dir;
  std::string cluster;
  std::string kubernetesVersion;
  std::string reason = "manual";
};

// Streams a snapshot from the first healthy endpoint of the client into req.dir, checks the stream's trailing
// SHA-256 while writing, fsyncs, reads the file back (a thread trailing the writer; the last block after the
// fsync) and compares its hash with what was written, renames, writes the metadata.
// Throws kforge::Error (and leaves no .db/.json behind) on any failure.
BackupMeta takeBackup(Client& client, const BackupRequest& req);

// A backup id: 1-128 of [A-Za-z0-9_-], starting with a letter or digit ("20261125-104419-manual-2"). Ids name
// files, so nothing else (no '/', no "..") is ever accepted from metadata.
bool isValidBackupId(const std::string& id);

// The backups of ONE cluster in a backup directory (which several clusters may share): only metadata naming that
// cluster is listed, returned, verified or pruned. Metadata is trusted only as far as it agrees with the file
// names: a .json that does not parse, whose id is not a valid id or is not its own file name (x.json must say
// "id": "x") is skipped with a warning naming the file (core/log.hpp), so one stray file never blocks the others.
class BackupCatalog {
 public:
  BackupCatalog(std::string dir, std::string cluster);
  const std::string& dir() const { return dir_; }
  const std::string& cluster() const { return cluster_; }
  // This cluster's backups, newest first. Ignores temporary files and .db files without metadata.
  std::vector<BackupMeta> list() const;
  // This cluster's backup by exact id, or "latest". With otherClusters, an exact id of another cluster's backup
  // in the directory is returned too (restore --force decides about it). Throws kforge::Error listing what
  // exists, or naming the cluster the backup belongs to, when not found.
  BackupMeta get(const std::string& id, bool otherClusters = false) const;
  // Throws for an invalid id or a backup of another cluster.
  void save(const BackupMeta& meta) const;
  std::string path(const BackupMeta& meta) const { return dir_ + "/" + meta.dbFile(); }
  // Keeps exactly `keep` backups: the newest ones, with the newest drill-verified backup always among them
  // (it replaces the oldest kept one when it is older); removes the rest (.json first, then .db).
  // Returns the removed ids.
  std::vector<std::string> prune(int keep) const;

 private:
  // Every valid backup in the directory, of any cluster (unsorted); bad metadata is warned about and skipped.
  std::vector<BackupMeta> scan() const;
  std::string dir_;
  std::string cluster_;
};

// Recomputes the SHA-256 of the database part and compares it with the trailer, and the file's hash with
// the metadata. Returns "" when good, else what is wrong.
std::string checkBackupHash(const BackupCatalog& catalog, const BackupMeta& meta);

struct DrillResult {
  int64_t keys = 0;
  int64_t revision = 0;
  std::string endpoint;  // https://<address>:<port> the throwaway etcd served on
  std::string error;     // empty on success
};
// Certificates made for one drill only (bootstrap/backup_drill.hpp makes them with pki/throwaway_etcd_pki.hpp).
struct DrillTls {
  std::string caFile;
  std::string serverCert, serverKey;  // the throwaway etcd's (client and peer listeners)
  std::string clientCert, clientKey;  // kforge's
};
// Restore drill: `etcdutl snapshot restore` (etcdctl on 3.4) into scratchDir (which must be private: 0700), start a
// throwaway etcd there on free ports of the given 127.0.0.0/8 address, serving only TLS with the drill's server
// certificate and requiring client certificates of the drill's CA (client and peer listeners alike), so no other
// local user can read the snapshot's Secrets from it. kforge trusts only that CA, so another process listening
// there cannot answer for it; and it checks that the etcd answering is the one restored (one member, named
// "drill", with the drill's peer URL, whose status carries that member's id). Counts the keys, compares the
// revision with the metadata, stops the etcd and removes what it wrote in scratchDir. whileServing, when set, is
// called with the endpoint once the etcd is checked and before it is stopped (tests probe it from there).
using DrillProbe = std::function<void(const std::string& endpoint, const DrillTls& tls)>;
DrillResult restoreDrill(const BackupCatalog& catalog, const BackupMeta& meta, const std::string& loopbackAddress,
                         const DrillTls& tls, const std::string& scratchDir, const DrillProbe& whileServing = {});

// Prometheus textfile for node_exporter's textfile collector (written atomically).
void writeBackupMetrics(const std::string& path, const BackupMeta& meta, bool success);

}  // namespace kforge::etcd

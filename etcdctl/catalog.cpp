// The backup catalog: the <id>.json files in a backup directory.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "etcdctl/backup.hpp"

namespace kforge::etcd {

bool isValidBackupId(const std::string& id) {
  if (id.empty() || id.size() > 128 || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char ch : id)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') return false;
  return true;
}

BackupCatalog::BackupCatalog(std::string dir, std::string cluster) : dir_(std::move(dir)), cluster_(std::move(cluster)) {
  if (cluster_.empty()) throw Error("a backup catalog needs the cluster name");
}

std::vector<BackupMeta> BackupCatalog::scan() const {
  std::vector<BackupMeta> out;
  checkPrivateDir(dir_, "backup directory");  // another user's directory could hand us a planted snapshot
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return out;
  std::vector<std::string> names;
  while (auto* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0 || name[0] == '.') continue;
    const std::string file = dir_ + "/" + name, stem = name.substr(0, name.size() - 5);
    struct stat st;
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      logWarning("skipping backup metadata " + file + ": not a regular file");
      continue;
    }
    if (!isValidBackupId(stem)) {
      logWarning("skipping backup metadata " + file + ": \"" + stem.substr(0, 64) +
                 "\" is not a backup id (letters, digits, '-' and '_')");
      continue;
    }
    BackupMeta meta;
    try {
      meta = BackupMeta::fromJson(readFile(file), file);
    } catch (const Error& e) {
      logWarning("skipping " + std::string(e.what()));
      continue;
    }
    if (meta.id != stem) {
      logWarning("skipping backup metadata " + file + ": its id \"" + meta.id.substr(0, 64) +
                 "\" is not its file name (" + stem + ")");
      continue;
    }
    if (meta.cluster.empty()) {
      logWarning("skipping backup metadata " + file + ": it names no cluster");
      continue;
    }
    if (!fileExists(path(meta))) continue;  // metadata whose snapshot is gone is not a backup
    out.push_back(std::move(meta));
  }
  return out;
}

std::vector<BackupMeta> BackupCatalog::list() const {
  std::vector<BackupMeta> out;
  for (auto& m : scan())
    if (m.cluster == cluster_) out.push_back(std::move(m));
  // Newest first: by createdAt (UTC, seconds), then by id within one second.
  std::sort(out.begin(), out.end(), [](const BackupMeta& a, const BackupMeta& b) {
    // Same second: a later id carries a longer -N suffix (-2 ... -10), so compare lengths before the text.
    if (a.createdAt != b.createdAt) return a.createdAt > b.createdAt;
    return a.id.size() != b.id.size() ? a.id.size() > b.id.size() : a.id > b.id;
  });
  return out;
}

BackupMeta BackupCatalog::get(const std::string& id, bool otherClusters) const {
  auto all = list();
  if (id == "latest" && !all.empty()) return all.front();
  for (const auto& m : all)
    if (m.id == id) return m;
  if (id != "latest")
    for (const auto& m : scan())
      if (m.id == id) {
        if (otherClusters) return m;
        throw Error("backup " + id + " in " + dir_ + " belongs to cluster " + m.cluster + ", not to " + cluster_,
                    ExitCode::InvalidInput);
      }
  std::string known;
  for (size_t i = 0; i < all.size() && i < 5; ++i) known += (i ? ", " : "") + all[i].id;
  throw Error("no backup " + id + " of cluster " + cluster_ + " in " + dir_ +
                  (all.empty() ? " (the directory holds no backups of it)" : " (newest: " + known + ")"),
              ExitCode::InvalidInput);
}

void BackupCatalog::save(const BackupMeta& meta) const {
  if (!isValidBackupId(meta.id)) throw Error("refusing to save backup metadata with the id \"" + meta.id + "\"");
  if (meta.cluster != cluster_)
    throw Error("backup " + meta.id + " belongs to cluster " + meta.cluster + ", not to " + cluster_);
  ensurePrivateDir(dir_, "backup directory");
  writeFileAtomic(dir_ + "/" + meta.id + ".json", meta.toJson(), 0600);
}

std::vector<std::string> BackupCatalog::prune(int keep) const {
  if (keep < 1) throw Error("prune: --keep must be at least 1", ExitCode::Usage);
  auto all = list();
  std::string protectedId;  // the newest drill-verified backup survives whatever keep says
  for (const auto& m : all)
    if (m.drillVerified()) {
      protectedId = m.id;
      break;
    }
  // Keep exactly `keep`: the newest ones, except that when the newest drill-verified backup is not among
  // them it takes the place of the oldest of them.
  std::vector<const BackupMeta*> kept;
  for (const auto& m : all)
    if (kept.size() < static_cast<size_t>(keep)) kept.push_back(&m);
  bool verifiedKept = protectedId.empty();
  for (auto* k : kept) verifiedKept = verifiedKept || k->id == protectedId;
  if (!verifiedKept) {
    for (const auto& m : all)
      if (m.id == protectedId) kept.back() = &m;
  }
  std::vector<std::string> removed;
  for (const auto& m : all) {
    if (std::find(kept.begin(), kept.end(), &m) != kept.end()) continue;
    // Metadata first: a .db without .json is ignored by list(), never half a backup.
    ::unlink((dir_ + "/" + m.id + ".json").c_str());
    ::unlink(path(m).c_str());
    removed.push_back(m.id);
  }
  return removed;
}

}  // namespace kforge::etcd

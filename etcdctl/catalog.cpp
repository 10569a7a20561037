// The backup catalog: the <id>.json files in a backup directory.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"
#include "etcdctl/backup.hpp"

namespace kforge::etcd {

BackupCatalog::BackupCatalog(std::string dir) : dir_(std::move(dir)) {}

std::vector<BackupMeta> BackupCatalog::list() const {
  std::vector<BackupMeta> out;
  checkPrivateDir(dir_, "backup directory");  // another user's directory could hand us a planted snapshot
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    auto meta = BackupMeta::fromJson(readFile(dir_ + "/" + name), dir_ + "/" + name);
    if (!fileExists(path(meta))) continue;  // metadata whose snapshot is gone is not a backup
    out.push_back(std::move(meta));
  }
  ::closedir(d);
  // Newest first: by createdAt (UTC, seconds), then by id within one second.
  std::sort(out.begin(), out.end(), [](const BackupMeta& a, const BackupMeta& b) {
    // Same second: a later id carries a longer -N suffix (-2 ... -10), so compare lengths before the text.
    if (a.createdAt != b.createdAt) return a.createdAt > b.createdAt;
    return a.id.size() != b.id.size() ? a.id.size() > b.id.size() : a.id > b.id;
  });
  return out;
}

BackupMeta BackupCatalog::get(const std::string& id) const {
  auto all = list();
  if (id == "latest" && !all.empty()) return all.front();
  for (const auto& m : all)
    if (m.id == id) return m;
  std::string known;
  for (size_t i = 0; i < all.size() && i < 5; ++i) known += (i ? ", " : "") + all[i].id;
  throw Error("no backup " + id + " in " + dir_ +
                  (all.empty() ? " (the directory holds no backups)" : " (newest: " + known + ")"),
              ExitCode::InvalidInput);
}

void BackupCatalog::save(const BackupMeta& meta) const {
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

// --allow-downgrade (upgrade/downgrade.hpp): which backup "the backup taken before the upgrade" is, from the run
// reports and the backup catalog — the first backup of the newest upgrade run from the target that was taken
// while etcd still ran the target's etcd; none is a refusal that names what was looked for.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/inventory.hpp"
#include "upgrade/downgrade.hpp"
#include "upgrade/report.hpp"

using namespace kforge;
using namespace kforge::upgrade;

namespace {

struct DowngradeBackup : ::testing::Test {
  std::string state, backups;
  Cluster c;
  void SetUp() override {
    char t[] = "/tmp/kforge-downgrade-XXXXXX";
    ASSERT_NE(::mkdtemp(t), nullptr);
    state = std::string(t) + "/state";
    backups = std::string(t) + "/backups";
    std::filesystem::create_directories(RunReport::runsDir(state));
    c = parseInventory("apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n"
                       "  kubernetesVersion: v1.36.3\n  nodePools:\n"
                       "    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n",
                       "a.yaml");
  }
  void TearDown() override { std::filesystem::remove_all(std::filesystem::path(state).parent_path()); }

  void backup(const std::string& id, const std::string& etcdVersion, const std::string& createdAt,
              const std::string& reason = "pre-step:etcd-cp1") {
    etcd::BackupMeta m;
    m.id = id;
    m.cluster = "t";
    m.etcdVersion = etcdVersion;
    m.createdAt = createdAt;
    m.reason = reason;
    m.revision = 42;
    etcd::BackupCatalog(backups, "t").save(m);
    writeFileAtomic(backups + "/" + id + ".db", "snapshot", 0600);  // metadata without its snapshot is no backup
  }
  // A run report from `from`, started at `startedMs`, whose steps took these backups in this order.
  void run(const std::string& id, const std::string& from, int64_t startedMs, std::vector<std::string> backupIds,
           const std::string& key = "upgrade apply --to v1.37.2") {
    RunData r;
    r.runId = id;
    r.cluster = "t";
    r.commandKey = key;
    r.fromVersion = from;
    r.toVersion = "v1.37.2";
    r.strategy = "in-place";
    r.startedMs = startedMs;
    r.finishedMs = startedMs + 1000;
    r.outcome = "succeeded";
    Attempt a;
    a.startedMs = startedMs;
    a.finishedMs = startedMs + 1000;
    a.outcome = "succeeded";
    for (const auto& b : backupIds) {
      StepRecord s;
      s.phase = "etcd";
      s.host = "cp1";
      s.result = "ok";
      s.startMs = startedMs + 10 * static_cast<int64_t>(a.steps.size() + 1);
      s.endMs = s.startMs + 5;
      s.backupId = b;
      a.steps.push_back(s);
    }
    r.attempts.push_back(a);
    writeFileAtomic(RunReport::pathFor(state, id), toJson(r).dump(), 0600);
  }
  std::string chosen() {
    try {
      return findPreUpgradeBackup(c, state, backups).backup.id;
    } catch (const Error& e) {
      return std::string("error: ") + e.what();
    }
  }
};

TEST_F(DowngradeBackup, TheFirstBackupOfTheNewestRunThatStartedAtTheTargetsEtcd) {
  backup("b1", "3.6.8", "2026-11-30T01:00:00Z");
  backup("b2", "3.6.8", "2026-11-30T01:01:00Z");  // later in the same run: not "before the upgrade"
  run("r1", "v1.36.3", 1000, {"b1", "b2"});
  EXPECT_EQ(chosen(), "b1");
  // A newer run from the target that began over an already upgraded etcd (the rest of a rolled-back upgrade)
  // has no pre-upgrade backup of its own: the older run's is still the one.
  backup("b3", "3.7.0", "2026-11-30T02:00:00Z");
  run("r2", "v1.36.3", 2000, {"b3"});
  EXPECT_EQ(chosen(), "b1");
  // Runs from another release, and commands other than upgrade apply, do not count.
  backup("b4", "3.6.8", "2026-11-30T03:00:00Z");
  run("r3", "v1.35.4", 3000, {"b4"});
  run("r4", "v1.36.3", 4000, {"b4"}, "restore");
  EXPECT_EQ(chosen(), "b1");
  // A newer run from the target that started at its etcd: its first backup.
  backup("b5", "3.6.8", "2026-11-30T05:00:00Z");
  run("r5", "v1.36.3", 5000, {"b5"});
  EXPECT_EQ(chosen(), "b5");
}

TEST_F(DowngradeBackup, NoneIsARefusalNamingWhatWasLookedFor) {
  EXPECT_NE(chosen().find("error: no backup to go back to v1.36.3 with: no upgrade run from v1.36.3"), std::string::npos)
      << chosen();
  // A run whose first backup is gone from the catalog (pruned) or not a pre-step backup: still none.
  run("r1", "v1.36.3", 1000, {"gone"});
  backup("m1", "3.6.8", "2026-11-30T01:00:00Z", "manual");
  run("r2", "v1.36.3", 2000, {"m1"});
  EXPECT_NE(chosen().find("taken while etcd still ran 3.6.8"), std::string::npos) << chosen();
}

}  // namespace

// Backups and disaster recovery end to end on a testbed of its own (127.0.44.x): kforge backup / verify / prune /
// restore against a 3-control-plane + 1-worker cluster built by kforge apply. The outcome is checked with the
// real etcdctl and kubectl: every key written before the backup is back with its value, nothing written after it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "cli_testbed.hpp"

namespace {

using kforge::e2e::CliTestbed;
using kforge::e2e::Cmd;
using kforge::e2e::sh;

const CliTestbed T{KFORGE_E2E_DIR, KFORGE_E2E_NET};
const std::string kGatewayPut = std::string(KFORGE_SOURCE_DIR) + "/tests/e2e/fixtures/gateway_put.py";
constexpr int kGatewayKeys = 9800;
constexpr int kApiObjects = 200;  // 9,800 + 200 = 10,000 keys

std::string all3() { return T.endpoints(1, 3); }

// Puts kGatewayKeys keys through etcd's JSON gateway and kApiObjects ConfigMaps through the real API server.
void writeData(const std::string& tag) {
  std::string s = T.state();
  auto put = sh("python3 " + kGatewayPut + " " + T.addr(2) + ":2379 " + s + "/pki/etcd/ca.crt " + s +
                "/hosts/tb1/pki/etcd/healthcheck-client.crt " + s + "/hosts/tb1/pki/etcd/healthcheck-client.key /e2e/k " +
                std::to_string(kGatewayKeys) + " " + tag);
  ASSERT_EQ(put.exitCode, 0) << put.out;
  std::ofstream list(T.dir + "/configmaps.json");
  list << "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[";
  for (int i = 0; i < kApiObjects; ++i)
    list << (i ? "," : "") << "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"e2e-" << i
         << "\",\"namespace\":\"default\",\"labels\":{\"e2e\":\"restore\"}},\"data\":{\"v\":\"" << tag << "-" << i << "\"}}";
  list << "]}";
  list.close();
  auto created = T.kubectl("create --validate=false -f " + T.dir + "/configmaps.json");
  ASSERT_EQ(created.exitCode, 0) << created.out.substr(0, 2000);
}

// Every gateway key and every ConfigMap is there with the value written under tag.
void expectData(const std::string& tag, const std::string& endpoints) {
  auto got = T.etcdctl(endpoints, "get --prefix /e2e/k");
  ASSERT_EQ(got.exitCode, 0) << got.out.substr(0, 2000);
  std::istringstream lines(got.out);
  std::string key, value;
  int n = 0, bad = 0;
  while (std::getline(lines, key) && std::getline(lines, value)) {
    char want[64];
    std::snprintf(want, sizeof want, "/e2e/k%05d", n);
    if (key != want || value != tag + "-" + std::string(want + 6)) ++bad;
    ++n;
  }
  EXPECT_EQ(n, kGatewayKeys);
  EXPECT_EQ(bad, 0);
  auto cms = T.kubectl("get cm -l e2e=restore -o jsonpath='{range .items[*]}{.metadata.name}={.data.v}{\"\\n\"}{end}'");
  ASSERT_EQ(cms.exitCode, 0) << cms.out;
  std::set<std::string> have;
  std::istringstream cl(cms.out);
  for (std::string l; std::getline(cl, l);) have.insert(l);
  EXPECT_EQ(have.size(), static_cast<size_t>(kApiObjects));
  for (int i = 0; i < kApiObjects; ++i)
    EXPECT_TRUE(have.count("e2e-" + std::to_string(i) + "=" + tag + "-" + std::to_string(i))) << "configmap e2e-" << i;
}

void expectThreeStartedMembers(const std::string& endpoints, const std::vector<std::string>& names) {
  auto members = T.etcdctl(endpoints, "member list");
  ASSERT_EQ(members.exitCode, 0) << members.out;
  for (const auto& n : names) EXPECT_NE(members.out.find(", started, " + n + ","), std::string::npos) << members.out;
  auto health = T.etcdctl(endpoints, "endpoint health");
  EXPECT_EQ(health.exitCode, 0) << health.out;
  EXPECT_EQ(T.kubectl("get --raw /readyz").out, "ok");
}

// Every etcd member loses its data: the member dir moves away inside the host and etcd is killed.
void destroyAllMembers(int first, int last) {
  for (int i = first; i <= last; ++i)
    ASSERT_EQ(T.exec(i, "mv /var/lib/etcd/member /var/lib/kforge/lost-$(date +%s%N); pkill -x etcd; true").exitCode, 0);
}

std::string latestBackupId() {
  auto l = T.kforge("-o json backup list -f " + T.inventory());
  auto pos = l.out.find("\"id\": \"");
  return pos == std::string::npos ? "" : l.out.substr(pos + 7, l.out.find('"', pos + 7) - pos - 7);
}

class RestoreE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto up = T.tb("up 4");
    ASSERT_EQ(up.exitCode, 0) << up.out;
    auto apply = T.kforge("apply -f " + T.inventory());
    ASSERT_EQ(apply.exitCode, 0) << apply.out;
  }
  void TearDown() override { T.tb("down"); }
};

TEST_F(RestoreE2E, EveryKeyComesBackAfterEveryMemberLostItsData) {
  writeData("before");
  auto backup = T.kforge("backup -f " + T.inventory());
  ASSERT_EQ(backup.exitCode, 0) << backup.out;
  std::string id = latestBackupId();
  ASSERT_FALSE(id.empty());
  // Written after the backup: must be gone after the restore.
  ASSERT_EQ(T.etcdctl(all3(), "put /e2e/after-backup yes").exitCode, 0);

  // The cluster still has quorum: refused, nothing changed on any host.
  std::string before = T.hostFiles(1, 4);
  auto refused = T.kforge("restore -f " + T.inventory() + " --snapshot " + id);
  EXPECT_EQ(refused.exitCode, 3) << refused.out;
  EXPECT_NE(refused.out.find("still has quorum (3 of 3"), std::string::npos) << refused.out;
  EXPECT_EQ(T.hostFiles(1, 4), before);
  EXPECT_EQ(T.etcdctl(all3(), "get /e2e/after-backup --print-value-only").out, "yes\n");

  destroyAllMembers(1, 3);
  auto restore = T.kforge("restore -f " + T.inventory() + " --snapshot " + id);
  ASSERT_EQ(restore.exitCode, 0) << restore.out;
  EXPECT_NE(restore.out.find("restored with"), std::string::npos) << restore.out;
  expectThreeStartedMembers(all3(), {"tb1", "tb2", "tb3"});
  expectData("before", all3());
  EXPECT_EQ(T.etcdctl(all3(), "get /e2e/after-backup --print-value-only").out, "");
  // The broken data was moved aside on every member, not deleted.
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(T.exec(i, "ls -d /var/lib/kforge/lost-*").exitCode, 0) << "the lost data is kept on tb" << i;
  // The cluster is what the inventory says: a following apply has nothing to do.
  auto again = T.kforge("apply -f " + T.inventory());
  EXPECT_NE(again.out.find("Plan: nothing to do"), std::string::npos) << again.out;

  // Killed during the restore, then run again: it resumes and completes.
  destroyAllMembers(1, 3);
  std::string log = T.dir + "/killed-restore.log";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c",
          (std::string("exec ") + KFORGE_BINARY + " restore -f " + T.inventory() + " --snapshot " + id + " >" + log + " 2>&1")
              .c_str(),
          nullptr);
    _exit(127);
  }
  // Until one host finished restoring its data (the run's own progress line), however long a loaded machine
  // takes; the bound only catches a hang. A run that ends first is a failure: it was never killed mid-run.
  bool sawRestore = false, exitedEarly = false;
  int status = 0;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::minutes(10);
       !sawRestore && std::chrono::steady_clock::now() < until;) {
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    sawRestore = ss.str().find("restore             ok") != std::string::npos;
    if (sawRestore) break;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exitedEarly = true;
      break;
    }
    usleep(50 * 1000);
  }
  ASSERT_FALSE(exitedEarly) << "the restore ended before its data step: " << sh("cat " + log).out;
  kill(pid, SIGKILL);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(sawRestore) << "the restore never reached its data step";
  // Killed, not finished: it was still running when SIGKILL came (else this is "restore twice").
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "restore exited on its own, status " << status;
  auto resumed = T.kforge("restore -f " + T.inventory() + " --snapshot " + id);
  ASSERT_EQ(resumed.exitCode, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming the restore"), std::string::npos) << resumed.out;
  expectThreeStartedMembers(all3(), {"tb1", "tb2", "tb3"});
  expectData("before", all3());
}

TEST_F(RestoreE2E, AFlippedByteIsRefusedByVerifyAndRestore) {
  ASSERT_EQ(T.etcdctl(all3(), "put /e2e/canary alive").exitCode, 0);
  ASSERT_EQ(T.kforge("backup -f " + T.inventory()).exitCode, 0);
  std::string id = latestBackupId();
  std::string db = T.dir + "/backups/" + id + ".db";
  // Flip one byte (all its bits) in the middle of the database.
  auto flip = sh("python3 -c \"import os; p='" + db + "'; m=os.path.getsize(p)//2; f=open(p,'r+b'); f.seek(m); "
                 "b=f.read(1); f.seek(m); f.write(bytes([b[0]^0xff]))\"");
  ASSERT_EQ(flip.exitCode, 0) << flip.out;
  auto verify = T.kforge("backup verify " + id + " -f " + T.inventory());
  EXPECT_EQ(verify.exitCode, 7) << verify.out;
  EXPECT_NE(verify.out.find("corrupt"), std::string::npos) << verify.out;

  destroyAllMembers(1, 3);  // even with quorum lost, a corrupt snapshot is never restored
  std::string before = T.hostFiles(1, 4, /*withEtcdData=*/false);
  auto restore = T.kforge("restore -f " + T.inventory() + " --snapshot " + id);
  EXPECT_EQ(restore.exitCode, 7) << restore.out;
  EXPECT_NE(restore.out.find("nothing was changed"), std::string::npos) << restore.out;
  EXPECT_EQ(T.hostFiles(1, 4, false), before);
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(T.exec(i, "ls -d /var/lib/kforge/lost-*").exitCode, 0) << "the lost data stays where it was on tb" << i;
}

TEST_F(RestoreE2E, PruneKeepsExactlyNAndTheVerifiedOneAndBackupsNeverOverlap) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(T.etcdctl(all3(), "put /e2e/round " + std::to_string(i)).exitCode, 0);
    auto b = T.kforge("backup -f " + T.inventory() + " --reason scheduled");
    ASSERT_EQ(b.exitCode, 0) << b.out;
    ids.push_back(latestBackupId());
  }
  // The oldest passes a restore drill (throwaway etcd on 127.0.44.99), so it is the newest verified one.
  auto drill = T.kforge("backup verify " + ids[0] + " -f " + T.inventory() + " --drill-address " + T.net + ".99");
  ASSERT_EQ(drill.exitCode, 0) << drill.out;
  EXPECT_NE(drill.out.find("restore drill ok"), std::string::npos) << drill.out;
  auto pruned = T.kforge("backup prune --keep 2 -f " + T.inventory());
  ASSERT_EQ(pruned.exitCode, 0) << pruned.out;
  auto list = T.kforge("backup list -f " + T.inventory());
  // Ids taken in the same second get -2, -3 suffixes: match whole ids (the ID column is space-padded).
  EXPECT_NE(list.out.find(ids[3] + " "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(ids[0] + " "), std::string::npos) << "the verified backup must survive: " << list.out;
  EXPECT_EQ(list.out.find(ids[1] + " "), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(ids[2] + " "), std::string::npos) << list.out;
  EXPECT_EQ(sh("ls " + T.dir + "/backups/*.db | wc -l").out, "2\n");

  // Another kforge run holds the cluster lock: backup fails cleanly (exit 6), or waits with --wait-lock.
  // Events, not the clock: the holder keeps the lock until the test removes its release file; it is known to
  // hold it once it has written its marker and `flock -n` on the lock fails.
  const std::string lock = T.state() + "/run.lock", held = T.dir + "/lock-held", release = T.dir + "/lock-release";
  sh("rm -f " + held + " " + release);
  pid_t holder = fork();
  if (holder == 0) {
    execlp("flock", "flock", lock.c_str(), "sh", "-c",
           ("touch " + held + "; while [ ! -e " + release + " ]; do sleep 0.1; done").c_str(), nullptr);
    _exit(127);
  }
  auto waitFor = [](const std::function<bool()>& event) {  // polls an event; the bound only catches a hang
    for (auto until = std::chrono::steady_clock::now() + std::chrono::minutes(2); std::chrono::steady_clock::now() < until;) {
      if (event()) return true;
      usleep(50 * 1000);
    }
    return false;
  };
  ASSERT_TRUE(waitFor([&] { return sh("test -e " + held).exitCode == 0; })) << "the lock holder never started";
  ASSERT_EQ(sh("flock -n " + lock + " true").exitCode, 1) << "the lock is not held";
  auto busy = T.kforge("backup -f " + T.inventory());
  EXPECT_EQ(busy.exitCode, 6) << busy.out;
  EXPECT_NE(busy.out.find("another kforge run holds"), std::string::npos) << busy.out;
  // --wait-lock: started while the lock is held, seen waiting on it (run.lock open in the process), released.
  const std::string waitedLog = T.dir + "/waited.log";
  pid_t waiter = fork();
  if (waiter == 0) {
    execl("/bin/sh", "sh", "-c",
          (std::string("exec ") + KFORGE_BINARY + " backup -f " + T.inventory() + " --wait-lock 600 >" + waitedLog +
           " 2>&1").c_str(),
          nullptr);
    _exit(127);
  }
  bool waiting = waitFor([&] {
    return sh("ls -l /proc/" + std::to_string(waiter) + "/fd 2>/dev/null | grep -q -- '-> " + lock + "$'").exitCode == 0;
  });
  EXPECT_TRUE(waiting) << "kforge --wait-lock never opened the lock";
  int waiterStatus = 0;
  EXPECT_EQ(waitpid(waiter, &waiterStatus, WNOHANG), 0) << "kforge --wait-lock did not wait: " << sh("cat " + waitedLog).out;
  ASSERT_EQ(sh("touch " + release).exitCode, 0);
  waitpid(holder, nullptr, 0);
  ASSERT_EQ(waitpid(waiter, &waiterStatus, 0), waiter);
  EXPECT_TRUE(WIFEXITED(waiterStatus) && WEXITSTATUS(waiterStatus) == 0) << sh("cat " + waitedLog).out;
  // Two at once: each finishes or is refused by the lock; every backup listed is whole.
  std::string a = T.dir + "/a.log", b = T.dir + "/b.log";
  auto both = sh("(" + std::string(KFORGE_BINARY) + " backup -f " + T.inventory() + " >" + a + " 2>&1; echo $? >>" + a +
                 ") & (" + KFORGE_BINARY + " backup -f " + T.inventory() + " >" + b + " 2>&1; echo $? >>" + b + "); wait; "
                 "tail -n1 " + a + " " + b);
  EXPECT_TRUE(both.out.find("\n0\n") != std::string::npos) << both.out;
  EXPECT_EQ(both.out.find("\n1\n"), std::string::npos) << both.out;
  auto ls = T.kforge("-o json backup list -f " + T.inventory());
  size_t pos = 0;
  int n = 0;
  while ((pos = ls.out.find("\"id\": \"", pos)) != std::string::npos) {
    std::string id = ls.out.substr(pos + 7, ls.out.find('"', pos + 7) - pos - 7);
    auto v = T.kforge("backup verify " + id + " --no-drill -f " + T.inventory());
    EXPECT_EQ(v.exitCode, 0) << v.out;
    pos += 7;
    ++n;
  }
  EXPECT_GE(n, 4);
}

// Restore onto three new hosts: the old control planes are gone, the inventory names replacements.
TEST_F(RestoreE2E, OntoThreeNewHosts) {
  writeData("moved");
  ASSERT_EQ(T.kforge("backup -f " + T.inventory()).exitCode, 0);
  std::string id = latestBackupId();
  // Three more hosts (tb5..tb7) join the testbed; tb1..tb3 are lost.
  auto more = T.tb("add 3");
  ASSERT_EQ(more.exitCode, 0) << more.out;
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(T.tb("kill tb" + std::to_string(i)).exitCode, 0);
  std::string inv = T.dir + "/replaced.yaml";
  std::ofstream f(inv);
  f << "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: testbed}\nspec:\n"
       "  kubernetesVersion: " << kforge::e2e::pinnedReleases().front().kubernetes << "\n  allowLoopbackAddresses: true\n"
       "  controlPlaneEndpoint: " << T.net << ".10:6443\n"  // the same load balancer, new API servers behind it
       "  pki: {keyAlgorithm: ecdsa-p256}\n  ssh: {user: root, port: 22, keyPath: " << T.dir << "/id_ed25519, knownHosts: "
    << T.dir << "/known_hosts}\n  nodePools:\n"
       "    - name: control\n      role: control-plane\n      labels: {tier: control}\n      hosts:\n"
       "        - {name: tb5, address: " << T.addr(5) << "}\n        - {name: tb6, address: " << T.addr(6) << "}\n"
       "        - {name: tb7, address: " << T.addr(7) << "}\n"
       "    - name: workers\n      role: worker\n      labels: {tier: general}\n      hosts:\n"
       "        - {name: tb4, address: " << T.addr(4) << "}\n";
  f.close();
  auto restore = T.kforge("restore -f " + inv + " --snapshot " + id);
  ASSERT_EQ(restore.exitCode, 0) << restore.out;
  std::string eps = T.endpoints(5, 7);
  auto members = T.etcdctl(eps, "member list", "tb5");
  ASSERT_EQ(members.exitCode, 0) << members.out;
  for (const char* n : {"tb5", "tb6", "tb7"})
    EXPECT_NE(members.out.find(std::string(", started, ") + n + ","), std::string::npos) << members.out;
  EXPECT_EQ(members.out.find("tb1"), std::string::npos) << "the lost members are not in the restored cluster";
  EXPECT_EQ(T.etcdctl(eps, "endpoint health", "tb5").exitCode, 0);
  EXPECT_EQ(T.kubectl("get --raw /readyz").out, "ok");
  expectData("moved", eps);
}

}  // namespace

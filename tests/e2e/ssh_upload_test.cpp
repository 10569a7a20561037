// SFTP upload: atomic replace (new inode via rename, no temp files left), skip on same sha256 (one remote
// observation for the batch), mode fixes, parent directories; download.
#include "core/sha256.hpp"
#include "ssh/exec.hpp"
#include "ssh/sftp.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;

class SshUpload : public TestbedTest {};

TEST_F(SshUpload, AtomicSkipsSameHashFixesModes) {
  auto s = Session::connect("tb1", {Testbed::address(1), 22}, Testbed::options());
  execChecked(*s, "rm -rf /etc/kubernetes/e2e-upload");
  const std::string d = "/etc/kubernetes/e2e-upload";
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  FileSet files = {
      {d + "/pki/ca.crt", 0644, "CERT\n"},
      {d + "/pki/ca.key", 0600, "KEY\n"},
      {d + "/manifests/etcd.yaml", 0600, "kind: Pod\n"},
      {d + "/big.bin", 0644, big},
      {d + "/with space/it's.conf", 0640, "quoted\n"},
  };
  UploadReport r1 = upload(*s, files);
  EXPECT_EQ(r1.uploaded, 5);
  EXPECT_EQ(r1.skipped, 0);
  EXPECT_EQ(r1.summary(), "5 files");

  ExecResult st = execChecked(*s, ShellCommand("stat").arg("-c").arg("%a %n").arg(files[0].path).arg(files[1].path)
                                      .arg(files[2].path).arg(files[4].path));
  EXPECT_EQ(st.out, "644 " + files[0].path + "\n600 " + files[1].path + "\n600 " + files[2].path + "\n640 " + files[4].path + "\n");
  EXPECT_EQ(download(*s, files[3].path), big);
  EXPECT_EQ(download(*s, files[4].path), "quoted\n");
  EXPECT_EQ(execChecked(*s, ShellCommand("sha256sum").arg(files[3].path)).out.substr(0, 64), sha256Hex(big));

  // Same content: nothing transferred.
  UploadReport r2 = upload(*s, files);
  EXPECT_EQ(r2.uploaded, 0);
  EXPECT_EQ(r2.skipped, 5);
  EXPECT_EQ(r2.bytes, 0u);
  EXPECT_EQ(r2.summary(), "5 files, 5 skipped");

  // One changed file is replaced by rename (a new inode), the others untouched; a mode-only change is a chmod.
  std::string inodeBefore = execChecked(*s, ShellCommand("stat").arg("-c").arg("%i").arg(files[0].path)).out;
  std::string keyInodeBefore = execChecked(*s, ShellCommand("stat").arg("-c").arg("%i").arg(files[1].path)).out;
  files[0].content = "CERT v2\n";
  files[2].mode = 0644;
  UploadReport r3 = upload(*s, files);
  EXPECT_EQ(r3.uploaded, 1);
  EXPECT_EQ(r3.modeFixed, 1);
  EXPECT_EQ(r3.skipped, 3);
  EXPECT_EQ(download(*s, files[0].path), "CERT v2\n");
  EXPECT_NE(execChecked(*s, ShellCommand("stat").arg("-c").arg("%i").arg(files[0].path)).out, inodeBefore);
  EXPECT_EQ(execChecked(*s, ShellCommand("stat").arg("-c").arg("%i").arg(files[1].path)).out, keyInodeBefore);
  EXPECT_EQ(execChecked(*s, ShellCommand("stat").arg("-c").arg("%a").arg(files[2].path)).out, "644\n");
  EXPECT_EQ(execChecked(*s, ShellCommand("find").arg(d).arg("-name").arg("*.kforge-tmp")).out, "");

  // Only tb1 got them.
  auto s2 = Session::connect("tb2", {Testbed::address(2), 22}, Testbed::options());
  EXPECT_NE(exec(*s2, ShellCommand("test").arg("-e").arg(files[0].path)).exitCode, 0);
  execChecked(*s, ShellCommand("rm").arg("-rf").arg(d));
}

TEST_F(SshUpload, DownloadOfMissingFileNamesHostAndPath) {
  auto s = Session::connect("tb3", {Testbed::address(3), 22}, Testbed::options());
  try {
    download(*s, "/etc/kubernetes/does-not-exist");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tb3: /etc/kubernetes/does-not-exist does not exist");
  }
}

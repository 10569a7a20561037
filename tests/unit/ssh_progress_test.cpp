#include <gtest/gtest.h>

#include "core/sha256.hpp"
#include "core/progress.hpp"
#include "ssh/sftp.hpp"

using namespace kforge;
using namespace kforge::ssh;

TEST(SshProgress, LineFormat) {
  ProgressEvent e{"cp1", "upload-pki", StepStatus::Ok, 1.23, 0.4, "14 files, 3 skipped", kforge::ExitCode::Ok};
  EXPECT_EQ(formatProgress(e), "[  1.2s] cp1  upload-pki  ok (14 files, 3 skipped)");
  EXPECT_EQ(formatProgress(e, 5, 12), "[  1.2s] cp1    upload-pki    ok (14 files, 3 skipped)");
  e.status = StepStatus::Failed;
  e.detail = "cp1 (10.0.0.1:22): cannot connect: Connection refused";
  EXPECT_EQ(formatProgress(e), "[  1.2s] cp1  upload-pki  failed: cp1 (10.0.0.1:22): cannot connect: Connection refused");
  e.status = StepStatus::Started;
  e.detail.clear();
  e.sinceStart = 123.45;
  EXPECT_EQ(formatProgress(e), "[123.5s] cp1  upload-pki  started");
}

TEST(SshUploadReport, Summary) {
  UploadReport r;
  r.uploaded = 11;
  r.skipped = 3;
  EXPECT_EQ(r.summary(), "14 files, 3 skipped");
  r = {};
  r.uploaded = 1;
  EXPECT_EQ(r.summary(), "1 file");
  r.modeFixed = 1;
  EXPECT_EQ(r.summary(), "2 files, 1 mode fixed");
}

TEST(SshSha256Hex, MatchesSha256sum) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

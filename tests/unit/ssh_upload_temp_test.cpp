// Upload temp files must be hidden: the kubelet reads every other file of /etc/kubernetes/manifests as a
// static pod (see Standins.KubeletReadsEveryNonHiddenManifestFileLikeTheRealOne), so "<name>.kforge-tmp" next
// to kube-apiserver.yaml was a second, half-written kube-apiserver pod while the upload ran.
#include <gtest/gtest.h>

#include "ssh/sftp.hpp"

TEST(SshUploadTemp, TempFileIsHiddenInTheTargetDirectory) {
  EXPECT_EQ(kforge::ssh::uploadTempPath("/etc/kubernetes/manifests/kube-apiserver.yaml"),
            "/etc/kubernetes/manifests/.kube-apiserver.yaml.kforge-tmp");
  EXPECT_EQ(kforge::ssh::uploadTempPath("/x"), "/.x.kforge-tmp");
}

// The data dir rules (core/data_dir.hpp): normalisation and system directories. In the inventory:
// inventory_data_dir_test.cpp and tests/fixtures/bad-inventories/5*-data-dir-*.yaml.
#include <gtest/gtest.h>

#include "core/data_dir.hpp"

using namespace kforge;


TEST(DataDir, Normalised) {
  EXPECT_EQ(*normalizeHostPath("/var/lib/etcd", nullptr), "/var/lib/etcd");
  EXPECT_EQ(*normalizeHostPath("/var//lib/./etcd/", nullptr), "/var/lib/etcd");
  EXPECT_EQ(*normalizeHostPath("//data///etcd//.", nullptr), "/data/etcd");
  EXPECT_EQ(*normalizeHostPath("/.", nullptr), "/");
  EXPECT_EQ(*normalizeHostPath("/var/lib/etcd..x/.hidden", nullptr), "/var/lib/etcd..x/.hidden");
  std::string why;
  EXPECT_FALSE(normalizeHostPath("var/lib/etcd", &why));
  EXPECT_EQ(why, "is not an absolute path");
  EXPECT_FALSE(normalizeHostPath("/var/lib/etcd/..", &why));
  EXPECT_EQ(why, "has a \"..\" component");
  EXPECT_FALSE(normalizeHostPath("/a/" + std::string(256, 'c'), &why));
  EXPECT_EQ(why, "has a component of 256 bytes; each may be at most 255 bytes (NAME_MAX)");
  EXPECT_TRUE(normalizeHostPath("/a/" + std::string(255, 'c'), &why));
  EXPECT_FALSE(normalizeHostPath("/" + std::string(4095, 'a'), &why));
  EXPECT_EQ(why, "is 4096 bytes long; a path may be at most 4095 bytes (PATH_MAX)");
}

TEST(DataDir, SystemDirectoriesRefused) {
  for (const char* p : {"/", "/etc", "/var", "/var/lib", "/usr", "/etc/kubernetes", "/etc/kubernetes/pki", "/root",
                        "/home", "/home/alice", "/boot", "/proc", "/sys", "/dev", "/run", "/run/etcd", "/tmp",
                        "/tmp/etcd", "/bin", "/sbin", "/lib", "/lib64", "/libx32", "/opt", "/srv", "/mnt", "/data",
                        "/var/lib/kubelet", "/var/lib/kubelet/etcd", "/var/lib/kforge", "/var/lib/kforge/reset-1",
                        "/var/log", "/var/log/etcd", "/var/tmp/etcd", "/usr/local/etcd", "/opt/cni/bin", "/var/backups"})
    EXPECT_NE(systemDirectoryReason(p), "") << p;
  for (const char* p : {"/var/lib/etcd", "/var/lib/etcd2", "/data/etcd", "/srv/etcd", "/mnt/etcd/data",
                        "/opt/etcd", "/var/lib/etcd/cluster-a", "/etcd/data", "/var/opt/etcd", "/libvirt/etcd"})
    EXPECT_EQ(systemDirectoryReason(p), "") << p;
}


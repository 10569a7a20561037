// Drives tests/testbed/testbed from e2e tests: `up` once per test binary (SetUpTestSuite), `down` at the end.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "ssh/session.hpp"

namespace kforge::e2e {

struct Cmd {
  int exitCode = -1;
  std::string out;  // stdout + stderr
};
Cmd sh(const std::string& commandLine);  // sh -c, captures output

class Testbed {
 public:
  static std::string dir();  // this binary's testbed directory
  static std::string net();  // its loopback /24 prefix, "127.0.41"
  static void up(int hosts);
  static void down();
  static Cmd run(const std::string& args);  // testbed <args> --dir D
  static std::string address(int i);         // host i (1-based): net.(10+i)
  static std::string name(int i) { return "tb" + std::to_string(i); }
  static std::string keyPath() { return dir() + "/id_ed25519"; }
  static std::string knownHosts() { return dir() + "/known_hosts"; }
  // Session options for the testbed: root, testbed key, strict known_hosts, short timeouts.
  static ssh::SessionOptions options();
};

// Base fixture: a 3-host testbed shared by every test of the binary (brought up by a global Environment).
class TestbedTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;  // fails the test when the testbed did not come up
  static constexpr int kHosts = 3;
};

}  // namespace kforge::e2e

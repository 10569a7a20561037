#include <gtest/gtest.h>

#include "ssh/shell.hpp"

using namespace kforge::ssh;

TEST(SshShellQuote, PlainWordsStayBare) {
  EXPECT_EQ(shellQuote("abc"), "abc");
  EXPECT_EQ(shellQuote("/etc/kubernetes/pki/ca.crt"), "/etc/kubernetes/pki/ca.crt");
  EXPECT_EQ(shellQuote("127.0.1.11:2379"), "127.0.1.11:2379");
}

TEST(SshShellQuote, EverythingElseIsSingleQuoted) {
  EXPECT_EQ(shellQuote(""), "''");
  EXPECT_EQ(shellQuote("a b"), "'a b'");
  EXPECT_EQ(shellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(shellQuote("$(reboot)"), "'$(reboot)'");
  EXPECT_EQ(shellQuote("`id`;rm -rf /"), "'`id`;rm -rf /'");
  EXPECT_EQ(shellQuote("a\nb"), "'a\nb'");
  EXPECT_EQ(shellQuote("*"), "'*'");
  EXPECT_EQ(shellQuote("~root"), "'~root'");
  EXPECT_EQ(shellQuote("--name=x"), "'--name=x'");  // '=' is always quoted: never an assignment word
  EXPECT_EQ(shellQuote("''"), "''\\'''\\'''");
}

TEST(SshShellCommand, ArgsAreQuotedRawIsNot) {
  ShellCommand c("mkdir");
  c.arg("-p").arg("--").arg("/etc/kubernetes/my dir").raw("&&").arg("echo").arg("a;b");
  EXPECT_EQ(c.str(), "mkdir -p -- '/etc/kubernetes/my dir' && echo 'a;b'");
  ShellCommand d("cat");
  d.args({"x", "y z"});
  ShellCommand e("true");
  e.raw("||").then(d);
  EXPECT_EQ(e.str(), "true || cat x 'y z'");
}

TEST(SshShellCommand, SudoWrapOnlyForNonRoot) {
  EXPECT_EQ(sudoWrap("root", "id -u"), "id -u");
  EXPECT_EQ(sudoWrap("deploy", "id -u && echo 'x'"), "sudo -n -- sh -c 'id -u && echo '\\''x'\\'''");
}

// The quoted form must round-trip through a real sh for any byte string.
TEST(SshShellQuote, RoundTripsThroughSh) {
  std::string nasty = "a 'b' \"c\" $d `e` \\f\tg\nh;i|j&k*l?m[n]o{p}q~r!s#t%u^v";
  std::string cmd = "printf %s " + shellQuote(nasty);
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  EXPECT_EQ(out, nasty);
}

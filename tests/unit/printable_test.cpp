// The helper for untrusted text on the terminal (core/printable.hpp) and the failure message of remote
// commands. Where else kforge prints untrusted text: untrusted_text_test.cpp.
#include <gtest/gtest.h>


#include "core/printable.hpp"
#include "ssh/exec.hpp"

using namespace kforge;

namespace {

bool hasRawControl(const std::string& s, bool allowNewline = false) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t' && !(allowNewline && c == '\n')) || c == 0x7F) return true;
  return false;
}

}  // namespace

TEST(Printable, EscapesControlBytes) {
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("a\rb\x7f"), "a\\x0db\\x7f");
  EXPECT_EQ(printable("l1\nl2"), "l1\\x0al2");
  EXPECT_EQ(printable("l1\nl2", 200, true), "l1\nl2");
  EXPECT_EQ(printable("tab\there"), "tab\there");
  EXPECT_EQ(printable("C:\\x"), "C:\\x");  // backslashes are left alone
}

TEST(Printable, KeepsUtf8ButEscapesC1ControlsBidiAndInvalidBytes) {
  EXPECT_EQ(printable("grüße ✓"), "grüße ✓");
  EXPECT_EQ(printable("a\xc2\x9b" "31mb"), "a\\x9b31mb");               // U+009B CSI
  EXPECT_EQ(printable("a\xe2\x80\xae" "b"), "a\\u{202e}b");             // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(printable("a\xff\xc3"), "a\\xff\\xc3");                     // invalid, truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                       // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");              // surrogate
}

TEST(Printable, Truncates) {
  std::string big(1000000, 'n');
  std::string p = printable(big);
  EXPECT_EQ(p, std::string(200, 'n') + "…(999800 more bytes)");
  EXPECT_EQ(printable("short", 5), "short");
  EXPECT_EQ(printable("\x1b\x1b", 5), "\\x1b…(1 more bytes)");
  EXPECT_EQ(printable("ü", 1), "…(2 more bytes)");  // never cuts a character in half
}

TEST(Printable, RemoteFailureMessageEscapesTheHostsOutput) {
  ssh::ExecResult r;
  r.exitCode = 1;
  r.err = "mv: cannot move\n\x1b[2J\x1b]0;owned\x07 \xff";
  std::string m = ssh::failureMessage("cp1", "mv a b", r);
  EXPECT_FALSE(hasRawControl(m, true)) << m;
  EXPECT_EQ(m, "cp1: `mv a b` failed (exit 1): mv: cannot move\n\\x1b[2J\\x1b]0;owned\\x07 \\xff");
}


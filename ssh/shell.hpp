// Shell quoting for commands that reach a remote POSIX shell. Every value that comes from the inventory or
// from files (names, paths, flags) goes through shellQuote or ShellCommand::arg, never string concatenation.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace kforge::ssh {

// Single-quotes s for sh: abc -> abc (plain words are left bare), a b -> 'a b', it's -> 'it'\''s', "" -> ''.
std::string shellQuote(std::string_view s);

// Builds a command line. arg() quotes; raw() appends shell syntax verbatim (operators like "&&", "|", ">", "2>/dev/null")
// and must only be given string literals from kforge's own code.
class ShellCommand {
 public:
  ShellCommand() = default;
  explicit ShellCommand(std::string_view program) { arg(program); }
  ShellCommand& arg(std::string_view a);
  ShellCommand& args(const std::vector<std::string>& as);
  ShellCommand& raw(std::string_view syntax);
  // Appends another command (already built, so already quoted), e.g. after raw("&&").
  ShellCommand& then(const ShellCommand& other);
  const std::string& str() const { return line_; }
  bool empty() const { return line_.empty(); }

 private:
  void space();
  std::string line_;
};

// Wraps a command for a non-root user: `sudo -n -- sh -c '<command>'`. Returns command unchanged for root.
std::string sudoWrap(const std::string& user, const std::string& command);

}  // namespace kforge::ssh

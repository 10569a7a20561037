#include "ssh/shell.hpp"

namespace kforge::ssh {

static bool isPlain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == '/' || c == ':' || c == ',' || c == '@' || c == '%' || c == '+' || c == '=';
}

std::string shellQuote(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s) plain = plain && isPlain(c);
  // '=' bare is fine except as the first char of a word that sh might take as an assignment prefix: "a=b cmd"
  // only matters for the first word, and a word starting with '=' or containing '=' is still data there when
  // quoted. Quote any word with '=' to keep `ShellCommand(x)` from ever being an assignment.
  if (plain && s.find('=') != std::string_view::npos) plain = false;
  if (plain) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += '\'';
  return out;
}

void ShellCommand::space() {
  if (!line_.empty()) line_ += ' ';
}

ShellCommand& ShellCommand::arg(std::string_view a) {
  space();
  line_ += shellQuote(a);
  return *this;
}

ShellCommand& ShellCommand::args(const std::vector<std::string>& as) {
  for (const auto& a : as) arg(a);
  return *this;
}

ShellCommand& ShellCommand::raw(std::string_view syntax) {
  space();
  line_ += syntax;
  return *this;
}

ShellCommand& ShellCommand::then(const ShellCommand& other) {
  space();
  line_ += other.line_;
  return *this;
}

std::string sudoWrap(const std::string& user, const std::string& command) {
  if (user == "root") return command;
  return "sudo -n -- sh -c " + shellQuote(command);
}

}  // namespace kforge::ssh

#include "bootstrap/systemd_arg.hpp"

#include <cctype>
#include <string_view>

namespace kforge {

std::string systemdArg(const std::string& arg) {
  std::string out;
  bool quote = arg.empty();
  for (char ch : arg) {
    if (ch == '%') { out += "%%"; continue; }
    if (ch == '$') { out += "$$"; continue; }
    const bool safe = std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("-_=,.:/@+*[]").find(ch) != std::string_view::npos;
    if (!safe) quote = true;
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') { out += "\\n"; continue; }
    out += ch;
  }
  return quote ? "\"" + out + "\"" : out;
}

}  // namespace kforge

#include "core/printable.hpp"

#include <cstdint>
#include <cstdio>

namespace kforge {

namespace {

// Length of the valid UTF-8 sequence at s[i] (2-4) and its code point; 0 when it is not one.
size_t utf8Sequence(std::string_view s, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;  // overlong or surrogate
  return n;
}

std::string hexByte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  return buf;
}

}  // namespace

std::string printable(std::string_view s, size_t maxBytes, bool keepNewlines) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::string piece;
    size_t used = 1;
    if (c == '\n' && keepNewlines) piece = "\n";
    else if (c == '\t') piece = "\t";
    else if (c < 0x20 || c == 0x7F) piece = hexByte(c);
    else if (c < 0x80) piece = std::string(1, static_cast<char>(c));
    else {
      uint32_t cp = 0;
      size_t n = utf8Sequence(s, i, cp);
      if (n == 0) piece = hexByte(c);
      else if (cp <= 0x9F) piece = hexByte(static_cast<unsigned char>(cp)), used = n;  // C1 control
      else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
        piece = buf, used = n;
      } else {
        piece = std::string(s.substr(i, n)), used = n;
      }
    }
    if (out.size() + piece.size() > maxBytes) break;
    out += piece;
    i += used;
  }
  if (i < s.size()) out += "…(" + std::to_string(s.size() - i) + " more bytes)";
  return out;
}

}  // namespace kforge

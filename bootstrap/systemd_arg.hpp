// Quoting for systemd unit files (ExecStart= lines). Shell quoting (ssh/shell.hpp) is wrong there: systemd
// expands '%' specifiers and '$' variables inside single quotes too.
#pragma once
#include <string>

namespace kforge {

// One ExecStart argument, safe from systemd's specifier (%) and variable ($) expansion and word splitting:
// '%' → "%%", '$' → "$$", and anything outside a conservative character set double-quoted with C escapes.
std::string systemdArg(const std::string& arg);

}  // namespace kforge

// Character-level syntax of inventory values, as plain loops. std::regex is not used for input: libstdc++'s
// matcher recurses once per character, so a long value (~50 KB) overflowed the stack. Each function documents
// the regular expression it implements; tests/unit/value_syntax_test.cpp checks them against std::regex on
// short strings.
#pragma once
#include <string_view>

namespace kforge {

// /[A-Za-z0-9._/-]*  — an absolute path of portable characters.
bool isPortableAbsolutePath(std::string_view s);
// [a-z_][a-z0-9_-]{0,31}  — a POSIX user name (ssh.user).
bool isPosixUserName(std::string_view s);
// [a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*  — registry[:port][/path].
bool isImageRepository(std::string_view s);
// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}  — an image tag.
bool isImageTag(std::string_view s);
// [a-z0-9][a-z0-9-]*  — a command-line flag name without dashes (extraArgs keys).
bool isFlagName(std::string_view s);

}  // namespace kforge

// Go-style durations as the inventory writes them: "90s", "5m", "1h30m".
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kforge {

// Parses a sequence of <non-negative integer><unit> with units h, m and s (any order, each at most once),
// e.g. "90s", "5m", "1h30m", "2h". Returns the total in seconds, nullopt when malformed or larger than
// 10 years. Fractions ("1.5h") and sub-second units ("500ms") are rejected: kforge works in whole seconds.
std::optional<int> parseDurationSeconds(std::string_view s);

// The shortest Go-style spelling of a number of seconds: 300 -> "5m", 5400 -> "1h30m", 0 -> "0s".
std::string formatDuration(int seconds);

}  // namespace kforge

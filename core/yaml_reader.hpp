// Strict reading of YAML input files (the inventory, later other kforge inputs) with yaml-cpp.
// Every error is a kforge::Error at the file:line:column of the offending node, naming what was expected.
// Rules: exactly one document whose root is a map; unknown and duplicate keys are errors; a key whose value
// is null (`key:` or `key: ~`) counts as absent for optional keys and as "has no value" for required ones.
// Limits (input is untrusted; yaml-cpp needs ~240 bytes of memory per byte of input): at most kMaxFileBytes
// of text, scalars (keys and values) of at most kMaxScalarBytes, nesting at most kMaxDepth levels deep, and
// at most about two nodes per byte of text counting each use of an alias (no "billion laughs").
#pragma once
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace kforge::yamlr {

inline constexpr size_t kMaxFileBytes = 1024 * 1024;
inline constexpr size_t kMaxScalarBytes = 16 * 1024;
inline constexpr int kMaxDepth = 32;  // the inventory needs 7 (spec.nodePools[0].hosts[0].name is 6 below the root)

// One value read from a map or list: the node, where it is, and its path ("spec.nodePools[0].name").
struct Entry {
  YAML::Node node;
  SourceLoc loc;     // of the value (of the key when the value is null)
  SourceLoc keyLoc;  // of the key (== loc for list items)
  std::string path;
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }
  SourceLoc loc(const YAML::Node& n) const;
  [[noreturn]] void fail(const SourceLoc& at, const std::string& msg) const;

  // Parses text that must hold exactly one YAML document whose root is a map. `what` names the expected
  // content in messages ("an inventory (apiVersion: kforge.dev/v1alpha1, kind: Cluster)"). Applies the limits
  // above; a syntax error caused by a tab in the indentation is reported as such, at the tab.
  Entry loadSingleMap(const std::string& text, const std::string& what) const;

  // Where each value read so far is (by path), for checks that run after the walk.
  std::map<std::string, SourceLoc> locs;
  std::map<std::string, SourceLoc> keyLocs;

 private:
  std::string file_;
};

// Reads a YAML input file of at most kMaxFileBytes (never reading more than that, even from a pipe or device).
// Throws kforge::Error (ExitCode::InvalidInput) naming the file; `what` is added to a read error
// ("the inventory file, given with -f").
std::string readInputFile(const std::string& path, const std::string& what);

// "a map", "a list", "a string/number", "null" — for messages.
std::string describeKind(const YAML::Node& n);
// A value from the file, for messages: in double quotes, non-printable bytes escaped, long values cut
// (core/printable.hpp): "a\x1bb", "aaaa…(9800 more bytes)".
std::string quotedValue(std::string_view s);
// The node as a scalar is a plain (unquoted) YAML 1.1/1.2 bool, number or null ("true", "2", "1.5", "~", "yes").
bool isNonStringPlainScalar(const YAML::Node& n);
// The text test behind it, as a plain loop (no std::regex: it recurses per character), equal to
//   ~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|
//   [-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|
//   [-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)
bool isNonStringPlainText(std::string_view s);

// A map with its keys checked against `allowed` on construction.
class MapView {
 public:
  MapView(Reader& r, const Entry& e, std::vector<std::string> allowed);
  // The value of an optional key; nullopt when absent or null.
  std::optional<Entry> get(const std::string& key) const;
  // The value of a required key; `example` shows a valid value in the error ("address: 10.0.0.11").
  Entry require(const std::string& key, const std::string& example) const;
  const Entry& self() const { return e_; }
  // All entries in document order (for free-form maps like labels: pass an empty `allowed`).
  std::vector<std::pair<std::string, Entry>> entries() const;

 private:
  Reader& r_;
  Entry e_;
  std::vector<std::string> allowed_;
  bool freeForm_;
};

// Type checks and conversions. Each throws kforge::Error at e.loc with e.path and the expected form.
void expectMap(const Reader& r, const Entry& e, const std::string& example);
std::vector<Entry> list(Reader& r, const Entry& e, const std::string& example);
std::string str(const Reader& r, const Entry& e);
int integer(const Reader& r, const Entry& e, int min, int max);
int duration(const Reader& r, const Entry& e);
// A plain YAML boolean: true or false (not "yes"/"on", not quoted).
bool boolean(const Reader& r, const Entry& e);
// A value that must be a YAML string: plain numbers, booleans and null are rejected with "quote it: key: "2"".
std::string stringValue(const Reader& r, const Entry& e, const std::string& key);
// A map of string to string whose values must be YAML strings (quote numbers and booleans).
std::map<std::string, std::string> stringMap(Reader& r, const Entry& e, const std::string& example);
std::vector<std::string> stringList(Reader& r, const Entry& e, const std::string& example);

template <typename T>
T oneOf(const Reader& r, const Entry& e, const std::vector<std::pair<std::string, T>>& allowed) {
  std::string v = str(r, e);
  std::string names;
  for (const auto& [name, value] : allowed) {
    if (name == v) return value;
    names += (names.empty() ? "" : ", ") + name;
  }
  r.fail(e.loc, e.path + " " + quotedValue(v) + " is not valid (expected one of: " + names + ")");
}

}  // namespace kforge::yamlr

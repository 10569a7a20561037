#include "core/yaml_reader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/duration.hpp"
#include "core/printable.hpp"

namespace kforge::yamlr {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string childPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string where(const std::string& path) { return path.empty() ? "the top level" : path; }

}  // namespace

SourceLoc Reader::loc(const YAML::Node& n) const {
  auto m = n.Mark();
  if (m.is_null() || m.line < 0) return SourceLoc{file_, 0, 0};
  return SourceLoc{file_, m.line + 1, m.column + 1};
}

void Reader::fail(const SourceLoc& at, const std::string& msg) const {
  // Values in messages are quotedValue() where they are put in; this catches any that were not.
  throw Error(at, printable(msg, 4000), ExitCode::InvalidInput);
}

namespace {

std::string sizeText(size_t n) {
  if (n % (1024 * 1024) == 0) return std::to_string(n / (1024 * 1024)) + " MiB";
  return n % 1024 == 0 ? std::to_string(n / 1024) + " KiB" : std::to_string(n) + " bytes";
}

// The first tab in the indentation of a line at or before `line` (1-based), as a location; line 0 when none.
SourceLoc tabInIndentation(const std::string& file, const std::string& text, int line) {
  int n = 1;
  for (size_t start = 0; start < text.size() && n <= line; ++n) {
    size_t end = text.find('\n', start);
    std::string_view l(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
    size_t indent = l.find_first_not_of(" \t");
    if (indent != std::string_view::npos && l[indent] != '#') {
      size_t tab = l.substr(0, indent).find('\t');
      if (tab != std::string_view::npos) return SourceLoc{file, n, static_cast<int>(tab) + 1};
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return SourceLoc{file, 0, 0};
}

// The guard against yaml-cpp 0.7's endless LoadAll (seen: ",\n", "# c\n,\n", "a: b\n---\n,\n", "\"x\"\n,\n" each
// allocate until the process runs out of memory). The exact condition, from yaml-cpp 0.7.0's source:
//  - LoadAll (src/parse.cpp) calls Parser::HandleNextDocument (src/parser.cpp) until it returns false, which it
//    does only when the scanner has no token left; every call appends the document it built to the result.
//  - The scanner (src/scanner.cpp ScanNextToken, src/scantoken.cpp ScanFlowEntry) makes a ',' that starts a token
//    a FLOW_ENTRY token in the block context too (a plain scalar cannot start with ',').
//  - Only a flow sequence or flow map (src/singledocparser.cpp HandleFlowSequence, HandleFlowMap) consumes a
//    FLOW_ENTRY. A block map or block sequence that meets one throws ("end of map not found"). But at a
//    document's root, HandleNode takes a token it does not expect for an empty node (OnNull) and consumes
//    nothing, and HandleDocument then eats only '...' (DOC_END) tokens.
// So: when the token where a document's root node starts is a ',' outside any [ ] or { } — the first token of
// the file or the first after '---', '...', a directive, a tag or an anchor (",", "--- ,", "!!str ,"), or the
// first after a complete root that is not a block map (a scalar, a flow collection, a block sequence or block
// scalar ended by a ',' at column 1: "\"x\" ,", "[a]\n,", "- a\n,") — every HandleNextDocument returns true with
// the same empty document and LoadAll appends a null Node per turn until memory runs out. (A ',' inside a
// plain scalar, "a, b" or the continuation line in "a: b\n  , c", inside quotes, a comment or a block scalar
// is no token; inside [ ] or { } it is a separator.)
// The guard runs yaml-cpp's own parser first, events only (nothing is built), and stops at the first node of a
// second document: kforge's input files hold exactly one document, and input that loops has a second document
// starting at the ','. Using the parser that LoadAll uses, the guard sees flow depth, quoting, comments, block
// scalars and plain-scalar continuation lines exactly as LoadAll does; when it lets a file through, the parser
// found no token after the first document, so LoadAll returns at most one document. A syntax error is thrown
// here just as LoadAll would throw it.
struct SecondDocument {
  YAML::Mark mark;
};

class StopAtSecondDocument : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override { ++documents_; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { node(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}
  void OnAnchor(const YAML::Mark& m, const std::string&) override { node(m); }

 private:
  void node(const YAML::Mark& m) const {
    if (documents_ > 1) throw SecondDocument{m};
  }
  int documents_ = 0;
};

// Throws YAML::Exception for a syntax error in the first document, SecondDocument where a second one starts.
void parseFirstDocumentOnly(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  StopAtSecondDocument handler;
  while (parser.HandleNextDocument(handler)) {
  }
}

// The mark is at a ',' of the text (yaml-cpp counts positions after a UTF-8 byte order mark).
bool isCommaAt(const std::string& text, const YAML::Mark& m) {
  size_t pos = static_cast<size_t>(m.pos) + (text.starts_with("\xEF\xBB\xBF") ? 3 : 0);
  return m.pos >= 0 && pos < text.size() && text[pos] == ',';
}

}  // namespace

std::string readInputFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path + ": " + std::strerror(errno) + " (" + what + ")", ExitCode::InvalidInput);
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw Error("cannot read " + path + ": " + std::strerror(errno) + " (" + what + ")", ExitCode::InvalidInput);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes)
    throw Error(SourceLoc{path, 0, 0},
                "the file is larger than " + sizeText(kMaxFileBytes) + ", the most kforge reads from an input file (" +
                    what + ")",
                ExitCode::InvalidInput);
  return text;
}

Entry Reader::loadSingleMap(const std::string& text, const std::string& what) const {
  if (text.size() > kMaxFileBytes)
    fail(SourceLoc{file_, 0, 0}, "the file is " + std::to_string(text.size()) + " bytes, larger than " +
                                     sizeText(kMaxFileBytes) + ", the most kforge reads from an input file");
  const std::string tooDeep = "nesting deeper than " + std::to_string(kMaxDepth) +
                              " levels; kforge's input files need far fewer (check for unbalanced [ or { or runaway "
                              "indentation)";
  std::vector<YAML::Node> docs;
  try {
    parseFirstDocumentOnly(text);  // before LoadAll, which never returns on some input (see above)
    docs = YAML::LoadAll(text);
  } catch (const SecondDocument& d) {
    SourceLoc at{file_, d.mark.line + 1, d.mark.column + 1};
    if (isCommaAt(text, d.mark))
      fail(at, "a ',' outside [ ] and { }; a comma separates items only in a flow list [a, b] or a flow map "
               "{a: 1, b: 2} (quote a value that starts with one: key: \", ...\")");
    fail(at, "a second YAML document starts here; the file must hold exactly one document (remove the "
             "'---' separator and everything after it, or split it into separate files)");
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own guard, at 2000 levels
    fail(SourceLoc{file_, e.mark.line + 1, e.mark.column + 1}, tooDeep);
  } catch (const YAML::Exception& e) {
    SourceLoc at{file_, 0, 0};
    if (!e.mark.is_null()) at = SourceLoc{file_, e.mark.line + 1, e.mark.column + 1};
    if (SourceLoc tab = tabInIndentation(file_, text, at.line > 0 ? at.line : INT_MAX); tab.line > 0)
      fail(tab, "a tab character in the indentation; YAML does not allow tabs for indentation, indent with spaces");
    fail(at, "YAML syntax error: " + printable(e.msg));
  }
  if (docs.empty() || (docs.size() == 1 && docs[0].IsNull()))
    fail(SourceLoc{file_, 0, 0}, "the file is empty; expected " + what);
  // Limits on what was parsed, in document order. Aliases are walked at each use: the visit budget stops
  // documents that expand exponentially.
  size_t budget = 2 * text.size() + 1000;
  std::vector<std::pair<YAML::Node, int>> stack{{docs[0], 0}};
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    if (budget-- == 0)
      fail(loc(n), "the document expands to more than " + std::to_string(2 * text.size() + 1000) +
                       " nodes (aliases count at each use); kforge's input files need far fewer");
    if (depth > kMaxDepth) fail(loc(n), tooDeep);
    if (n.IsScalar() && n.Scalar().size() > kMaxScalarBytes)
      fail(loc(n), "a value of " + std::to_string(n.Scalar().size()) + " bytes; values in kforge's input files are at "
                   "most " + sizeText(kMaxScalarBytes) + " (starts with " + quotedValue(n.Scalar().substr(0, 40)) + ")");
    std::vector<std::pair<YAML::Node, int>> children;
    if (n.IsMap())
      for (auto it = n.begin(); it != n.end(); ++it) {
        children.emplace_back(it->first, depth + 1);
        children.emplace_back(it->second, depth + 1);
      }
    else if (n.IsSequence())
      for (auto it = n.begin(); it != n.end(); ++it) children.emplace_back(*it, depth + 1);
    stack.insert(stack.end(), children.rbegin(), children.rend());
  }
  Entry e{docs[0], loc(docs[0]), loc(docs[0]), ""};
  if (!docs[0].IsMap())
    fail(e.loc, "the top level must be a map, got " + describeKind(docs[0]) + "; expected " + what);
  return e;
}

std::string describeKind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return quotedValue(n.Scalar());
    case YAML::NodeType::Null: return "no value";
    default: return "nothing";
  }
}

std::string quotedValue(std::string_view s) { return "\"" + printable(s) + "\""; }

namespace {
bool digits(std::string_view s, size_t& i, bool (*ok)(char)) {  // one or more; advances i
  size_t start = i;
  while (i < s.size() && ok(s[i])) ++i;
  return i > start;
}
bool dec(char c) { return c >= '0' && c <= '9'; }
bool oct(char c) { return c >= '0' && c <= '7'; }
bool hex(char c) { return dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool decOrUnderscore(char c) { return dec(c) || c == '_'; }
}  // namespace

bool isNonStringPlainText(std::string_view s) {
  static const std::string_view words[] = {"~",     "null", "Null", "NULL", "true", "True", "TRUE", "false",
                                           "False", "FALSE", "yes", "Yes",  "YES",  "no",   "No",   "NO",
                                           "on",    "On",   "ON",   "off",  "Off",  "OFF",  ".nan", ".NaN",
                                           ".NAN"};
  for (auto w : words)
    if (s == w) return true;
  size_t i = 2;
  if (s.starts_with("0o")) return digits(s, i, oct) && i == s.size();  // no other alternative has an 'o' or 'x'
  if (s.starts_with("0x")) return digits(s, i, hex) && i == s.size();
  i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  std::string_view rest = s.substr(i);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") return true;
  // [-+]?[0-9][0-9_]*
  if (!rest.empty() && dec(rest[0])) {
    size_t j = i + 1;
    digits(s, j, decOrUnderscore);
    if (j == s.size()) return true;
  }
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits(s, i, dec)) return false;
  } else {
    if (!digits(s, i, dec)) return false;
    if (i < s.size() && s[i] == '.') ++i, digits(s, i, dec);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digits(s, i, dec)) return false;
  }
  return i == s.size();
}

bool isNonStringPlainScalar(const YAML::Node& n) {
  if (!n.IsScalar() || n.Tag() != "?") return false;  // "!" = quoted, i.e. a string
  return isNonStringPlainText(n.Scalar());
}

MapView::MapView(Reader& r, const Entry& e, std::vector<std::string> allowed)
    : r_(r), e_(e), allowed_(std::move(allowed)), freeForm_(allowed_.empty()) {
  std::map<std::string, SourceLoc> seen;
  for (auto it = e.node.begin(); it != e.node.end(); ++it) {
    YAML::Node k = it->first;
    SourceLoc kl = r.loc(k);
    if (!k.IsScalar())
      r.fail(kl, "a key in " + where(e.path) + " must be a plain name, got " + describeKind(k));
    const std::string& key = k.Scalar();
    if (auto prev = seen.find(key); prev != seen.end())
      r.fail(kl, "duplicate key " + quotedValue(key) + " in " + where(e.path) + " (first at line " +
                     std::to_string(prev->second.line) + "); remove one of them");
    seen.emplace(key, kl);
    if (!freeForm_ && std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) {
      std::string hint;
      size_t best = 3;
      for (const auto& a : allowed_) {
        size_t d = editDistance(key, a);
        if (d < best && d <= (a.size() >= 4 ? 2u : 1u)) best = d, hint = a;
      }
      r.fail(kl, "unknown key " + quotedValue(key) + " in " + where(e.path) +
                     (hint.empty() ? "" : "; did you mean \"" + hint + "\"?") + " (expected one of: " +
                     join(allowed_) + ")");
    }
  }
}

std::optional<Entry> MapView::get(const std::string& key) const {
  for (auto it = e_.node.begin(); it != e_.node.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar() != key) continue;
    YAML::Node v = it->second;
    if (v.IsNull()) return std::nullopt;
    std::string p = childPath(e_.path, key);
    Entry out{v, r_.loc(v), r_.loc(it->first), p};
    r_.locs[p] = out.loc;
    r_.keyLocs[p] = out.keyLoc;
    return out;
  }
  return std::nullopt;
}

Entry MapView::require(const std::string& key, const std::string& example) const {
  if (auto e = get(key)) return *e;
  for (auto it = e_.node.begin(); it != e_.node.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      r_.fail(r_.loc(it->first), childPath(e_.path, key) + " has no value (e.g. " + example + ")");
  r_.fail(e_.keyLoc, "missing required key \"" + key + "\" in " + where(e_.path) + " (e.g. " + example + ")");
}

std::vector<std::pair<std::string, Entry>> MapView::entries() const {
  std::vector<std::pair<std::string, Entry>> out;
  for (auto it = e_.node.begin(); it != e_.node.end(); ++it) {
    std::string key = it->first.Scalar();
    YAML::Node v = it->second;
    std::string p = e_.path + "[" + quotedValue(key) + "]";
    Entry e{v, v.IsNull() ? r_.loc(it->first) : r_.loc(v), r_.loc(it->first), p};
    r_.locs[p] = e.loc;
    r_.keyLocs[p] = e.keyLoc;
    out.emplace_back(key, e);
  }
  return out;
}

void expectMap(const Reader& r, const Entry& e, const std::string& example) {
  if (!e.node.IsMap())
    r.fail(e.loc, e.path + " must be a map (e.g. " + example + "), got " + describeKind(e.node));
}

std::vector<Entry> list(Reader& r, const Entry& e, const std::string& example) {
  if (!e.node.IsSequence())
    r.fail(e.loc, e.path + " must be a list (e.g. " + example + "), got " + describeKind(e.node));
  std::vector<Entry> out;
  for (size_t i = 0; i < e.node.size(); ++i) {
    YAML::Node v = e.node[i];
    std::string p = e.path + "[" + std::to_string(i) + "]";
    Entry item{v, r.loc(v), r.loc(v), p};
    if (v.IsNull()) item.loc = item.keyLoc = e.loc;
    r.locs[p] = item.loc;
    out.push_back(item);
  }
  return out;
}

std::string str(const Reader& r, const Entry& e) {
  if (!e.node.IsScalar()) r.fail(e.loc, e.path + " must be a string, got " + describeKind(e.node));
  return e.node.Scalar();
}

int integer(const Reader& r, const Entry& e, int min, int max) {
  std::string range = std::to_string(min) + " to " + std::to_string(max);
  if (!e.node.IsScalar())
    r.fail(e.loc, e.path + " must be an integer from " + range + ", got " + describeKind(e.node));
  const std::string& s = e.node.Scalar();
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  bool ok = !s.empty() && ec == std::errc() && p == s.data() + s.size();
  if (!ok || e.node.Tag() != "?")
    r.fail(e.loc, e.path + " must be an integer from " + range + ", got " + describeKind(e.node) +
                      (ok ? " (a quoted string; remove the quotes)" : ""));
  if (v < min || v > max) r.fail(e.loc, e.path + " " + s + " is out of range (expected " + range + ")");
  return static_cast<int>(v);
}

int duration(const Reader& r, const Entry& e) {
  std::string s = str(r, e);
  auto d = parseDurationSeconds(s);
  if (!d)
    r.fail(e.loc, e.path + " " + quotedValue(s) +
                      " is not a valid duration (expected whole hours, minutes and seconds like 90s, 5m or 1h30m)");
  if (*d <= 0) r.fail(e.loc, e.path + " must be longer than 0s (e.g. 5m)");
  return *d;
}

bool boolean(const Reader& r, const Entry& e) {
  if (e.node.IsScalar() && e.node.Tag() == "?" && (e.node.Scalar() == "true" || e.node.Scalar() == "false"))
    return e.node.Scalar() == "true";
  r.fail(e.loc, e.path + " must be true or false, got " + describeKind(e.node) +
                    (e.node.IsScalar() && e.node.Tag() != "?" ? " (a quoted string; remove the quotes)" : ""));
}

std::string stringValue(const Reader& r, const Entry& e, const std::string& key) {
  if (!e.node.IsScalar() && !e.node.IsNull())
    r.fail(e.loc, e.path + " must be a string (e.g. " + key + ": \"value\"), got " + describeKind(e.node));
  if (e.node.IsNull()) r.fail(e.loc, e.path + " has no value; write an empty string as " + key + ": \"\"");
  if (isNonStringPlainScalar(e.node))
    r.fail(e.loc, e.path + " must be a string, got the YAML number/boolean " + printable(e.node.Scalar()) +
                      "; quote it: " + printable(key) + ": " + quotedValue(e.node.Scalar()));
  return e.node.Scalar();
}

std::map<std::string, std::string> stringMap(Reader& r, const Entry& e, const std::string& example) {
  expectMap(r, e, example);
  std::map<std::string, std::string> out;
  for (auto& [key, v] : MapView(r, e, {}).entries()) out[key] = stringValue(r, v, key);
  return out;
}

std::vector<std::string> stringList(Reader& r, const Entry& e, const std::string& example) {
  std::vector<std::string> out;
  for (const auto& item : list(r, e, example)) out.push_back(str(r, item));
  return out;
}

}  // namespace kforge::yamlr

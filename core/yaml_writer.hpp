// A small ordered YAML document model and a writer that lays it out the way Kubernetes' Go tooling
// (sigs.k8s.io/yaml → go-yaml v2) does, so files kforge writes look like the ones kubeadm writes:
//   * mapping keys sorted (Go marshals structs through JSON maps),
//   * block sequences NOT indented under their key ("containers:\n- command:\n  - etcd"),
//   * empty mappings / sequences as "{}" / "[]" on the key's line,
//   * strings that would read back as another type ("true", "10", "3.10", "null") double-quoted, strings that
//     cannot be plain for their syntax ("[fd00::1]:6443", "*.example.com") single-quoted.
// Scalar quoting and escaping is delegated to yaml-cpp's Emitter; only the block layout is done here,
// because yaml-cpp 0.7 always indents a block sequence under its mapping key and has no option not to.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kforge::yaml {

class Node {
 public:
  enum class Kind { Null, String, Raw, Seq, Map };

  Node() = default;  // null
  Node(const char* s) : kind_(Kind::String), scalar_(s) {}
  Node(std::string s) : kind_(Kind::String), scalar_(std::move(s)) {}
  Node(int v) : kind_(Kind::Raw), scalar_(std::to_string(v)) {}
  Node(int64_t v) : kind_(Kind::Raw), scalar_(std::to_string(v)) {}
  Node(bool b) : kind_(Kind::Raw), scalar_(b ? "true" : "false") {}

  static Node null() { return Node(); }
  static Node seq() { Node n; n.kind_ = Kind::Seq; return n; }
  static Node map() { Node n; n.kind_ = Kind::Map; return n; }
  static Node seqOf(const std::vector<std::string>& items);

  Kind kind() const { return kind_; }
  // Map access: creates the entry (and turns a null node into a map).
  Node& operator[](const std::string& key);
  // Appends to a sequence (turns a null node into a sequence).
  Node& push(Node n);

  const std::string& scalar() const { return scalar_; }
  const std::vector<Node>& items() const { return items_; }
  const std::map<std::string, Node>& entries() const { return entries_; }

 private:
  Kind kind_ = Kind::Null;
  std::string scalar_;
  std::vector<Node> items_;
  std::map<std::string, Node> entries_;
};

// Serializes a document (no leading "---", trailing newline).
std::string write(const Node& doc);

// How a string scalar is written: plain when unambiguous, otherwise quoted as go-yaml does (see above).
std::string formatString(const std::string& s);

}  // namespace kforge::yaml

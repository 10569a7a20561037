#include "core/yaml_writer.hpp"

#include <yaml-cpp/yaml.h>

namespace kforge::yaml {

Node Node::seqOf(const std::vector<std::string>& items) {
  Node n = seq();
  for (const auto& s : items) n.push(Node(s));
  return n;
}

Node& Node::operator[](const std::string& key) {
  if (kind_ == Kind::Null) kind_ = Kind::Map;
  return entries_[key];
}

Node& Node::push(Node n) {
  if (kind_ == Kind::Null) kind_ = Kind::Seq;
  items_.push_back(std::move(n));
  return items_.back();
}

namespace {

// True when a plain scalar with this text would be read back as something other than a string
// (bool, int, float, null) by a YAML 1.1/1.2 reader — go-yaml quotes those, and so do we.
bool resolvesToNonString(const std::string& s) {
  if (s.empty()) return false;  // yaml-cpp quotes "" itself
  YAML::Node n(s);
  bool b;
  double d;
  if (YAML::convert<bool>::decode(n, b)) return true;
  if (YAML::convert<double>::decode(n, d)) return true;
  return s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::string emitScalar(const std::string& s, bool forceQuotes) {
  YAML::Emitter e;
  if (forceQuotes) e << YAML::DoubleQuoted;
  e << s;
  return e.c_str();
}

std::string scalarText(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::Null: return "null";
    case Node::Kind::Raw: return n.scalar();
    case Node::Kind::String: return formatString(n.scalar());
    case Node::Kind::Seq: return "[]";
    case Node::Kind::Map: return "{}";
  }
  return "";
}

bool isEmptyCollection(const Node& n) {
  return (n.kind() == Node::Kind::Seq && n.items().empty()) || (n.kind() == Node::Kind::Map && n.entries().empty());
}
bool isBlock(const Node& n) {
  return (n.kind() == Node::Kind::Seq || n.kind() == Node::Kind::Map) && !isEmptyCollection(n);
}

void writeNode(std::string& out, const Node& n, int indent);

void writeMap(std::string& out, const Node& n, int indent) {
  const std::string pad(indent, ' ');
  for (const auto& [key, value] : n.entries()) {
    out += pad + formatString(key) + ":";
    if (!isBlock(value)) {
      out += " " + scalarText(value) + "\n";
    } else if (value.kind() == Node::Kind::Map) {
      out += "\n";
      writeMap(out, value, indent + 2);
    } else {
      out += "\n";
      writeNode(out, value, indent);  // go-yaml: sequence items at the key's indentation
    }
  }
}

void writeSeq(std::string& out, const Node& n, int indent) {
  const std::string pad(indent, ' ');
  for (const auto& item : n.items()) {
    if (!isBlock(item)) {
      out += pad + "- " + scalarText(item) + "\n";
      continue;
    }
    // A nested collection starts on the dash line: render it two columns in, then put "- " in front.
    std::string inner;
    writeNode(inner, item, indent + 2);
    out += pad + "- " + inner.substr(indent + 2);
  }
}

void writeNode(std::string& out, const Node& n, int indent) {
  if (n.kind() == Node::Kind::Map && !n.entries().empty())
    writeMap(out, n, indent);
  else if (n.kind() == Node::Kind::Seq && !n.items().empty())
    writeSeq(out, n, indent);
  else
    out += std::string(indent, ' ') + scalarText(n) + "\n";
}

}  // namespace

std::string formatString(const std::string& s) {
  if (s.empty() || resolvesToNonString(s)) return emitScalar(s, true);  // go-yaml: "" and "10", "true", ...
  std::string text = emitScalar(s, false);
  if (text == s) return text;  // plain
  // Not plain for its syntax (a leading '[', '*', ': ' inside, ...): go-yaml single-quotes such a string unless it
  // holds something only double quotes can escape (control characters, line breaks).
  for (unsigned char ch : s)
    if (ch < 0x20 || ch == 0x7f) return text;
  if (s.front() == ' ' || s.back() == ' ') return text;
  std::string quoted = "'";
  for (char ch : s) quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
  return quoted + "'";
}

std::string write(const Node& doc) {
  std::string out;
  writeNode(out, doc, 0);
  return out;
}

}  // namespace kforge::yaml

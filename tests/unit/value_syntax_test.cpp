// The inventory's value syntax as plain loops (core/value_syntax.hpp, yamlr::isNonStringPlainText): the same
// answers as the regular expressions they replace on short strings over each rule's alphabet. Long values:
// inventory_limits_test.cpp.
#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "core/value_syntax.hpp"
#include "core/yaml_reader.hpp"

using namespace kforge;

namespace {

// Short random strings over `alphabet` (lengths 0..12), plus every string of length <= 3 over it.
std::vector<std::string> samples(const std::string& alphabet, size_t count) {
  std::vector<std::string> out{""};
  for (char a : alphabet) {
    out.push_back(std::string(1, a));
    for (char b : alphabet) {
      out.push_back(std::string{a, b});
      for (char c : alphabet) out.push_back(std::string{a, b, c});
    }
  }
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> len(0, 12), pick(0, alphabet.size() - 1);
  for (size_t i = 0; i < count; ++i) {
    std::string s(len(rng), ' ');
    for (char& c : s) c = alphabet[pick(rng)];
    out.push_back(s);
  }
  return out;
}

void sameAsRegex(const char* pattern, bool (*loop)(std::string_view), const std::string& alphabet,
                 const std::vector<std::string>& extra = {}) {
  std::regex re(pattern);
  auto all = samples(alphabet, 40000);
  all.insert(all.end(), extra.begin(), extra.end());
  for (const auto& s : all) ASSERT_EQ(loop(s), std::regex_match(s, re)) << pattern << " on \"" << s << "\"";
}

}  // namespace

TEST(ValueSyntax, PortableAbsolutePathAsRegex) {
  sameAsRegex(R"(/[A-Za-z0-9._/-]*)", isPortableAbsolutePath, "/aZ9._- :~");
}

TEST(ValueSyntax, PosixUserNameAsRegex) {
  sameAsRegex(R"([a-z_][a-z0-9_-]{0,31})", isPosixUserName, "az09_-A.",
              {std::string(32, 'a'), std::string(33, 'a'), "_" + std::string(31, '-')});
}

TEST(ValueSyntax, ImageRepositoryAsRegex) {
  sameAsRegex(R"([a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*)",
              isImageRepository, "aZ9.-:/_",
              {"registry.k8s.io", "registry.example.com:5000/k8s", "r:5000/a/b__c/d-e.f", "r/a//b", "r:/a", "r:5:6"});
}

TEST(ValueSyntax, ImageTagAsRegex) {
  sameAsRegex(R"([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})", isImageTag, "aZ9_.-+:",
              {std::string(128, 'a'), std::string(129, 'a')});
}

TEST(ValueSyntax, FlagNameAsRegex) { sameAsRegex(R"([a-z0-9][a-z0-9-]*)", isFlagName, "az09-_A."); }

TEST(ValueSyntax, YamlNonStringPlainScalarAsRegex) {
  sameAsRegex(R"(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|)"
              R"([-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+|)"
              R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))",
              yamlr::isNonStringPlainText, "09_.eE+-ox8fa",
              {"~", "null", "Null", "NULL", "nulL", "true", "yes", "No", "oFF", "0o17", "0o", "0o8", "0x1F", "0xg",
               ".inf", "-.Inf", "+.INF", ".nan", "-.nan", ".NaN", "1e5", "1.5E-3", ".5", "5.", "-5_000", "_5", "1e",
               "0x", "+0x1", "1__2", "1.2.3"});
}


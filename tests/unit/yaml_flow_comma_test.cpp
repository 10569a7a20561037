// A ',' where a YAML document's root starts made yaml-cpp 0.7's LoadAll loop forever, allocating until the process
// ran out of memory (",\n" took gigabytes). core/yaml_reader.cpp guards against it before LoadAll; the comment there
// gives the exact condition. The refusals run in a child process with a memory and time limit, so that without the
// guard this test fails instead of taking the machine's memory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <new>

#include "core/inventory.hpp"
#include "core/yaml_reader.hpp"

using namespace kforge;

namespace {

const std::string kGood =
    "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n  kubernetesVersion: v1.31.2\n"
    "  nodePools:\n    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n";

long statusKb(const char* key) {
  std::ifstream f("/proc/self/status");
  for (std::string l; std::getline(f, l);)
    if (l.starts_with(key)) return std::stol(l.substr(std::strlen(key)));
  return -1;
}

// Runs f in a child with at most 512 MiB more writable memory than it starts with (RLIMIT_DATA over its VmData:
// this bounds glibc's heap and, unlike RLIMIT_AS, ASan's allocator too, whose shadow is mapped up front) and 120 s.
// Returns what f returned, or why the child failed. quiet: the child's stderr goes to /dev/null (ASan's report
// when it hits the limit on purpose).
std::string inLimitedChild(const std::function<std::string()>& f, bool quiet = false) {
  int fds[2];
  if (::pipe(fds) != 0) return "(pipe failed)";
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return "(fork failed)";
  if (pid == 0) {
    ::close(fds[0]);
    if (int devNull = ::open("/dev/null", O_WRONLY); quiet && devNull >= 0) ::dup2(devNull, STDERR_FILENO);
    long dataKb = statusKb("VmData:");
    rlim_t limit = static_cast<rlim_t>(dataKb + 512 * 1024) * 1024;
    rlimit r{limit, limit};
    std::string out;
    if (dataKb < 0 || ::setrlimit(RLIMIT_DATA, &r) != 0) {
      out = "(no memory limit)";
    } else {
      ::alarm(120);
      try {
        out = f();
      } catch (const std::bad_alloc&) {
        out = "(out of memory: ran into the 512 MiB limit)";
      }
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);  // no atexit handlers, no leak check of the parent's state
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return "(killed by signal " + std::to_string(WTERMSIG(status)) + ": " + strsignal(WTERMSIG(status)) +
           "; out of memory or time?)";
  if (WEXITSTATUS(status) != 0) return "(exited with " + std::to_string(WEXITSTATUS(status)) + ")";
  return out;
}

std::string inventoryError(const std::string& text) {
  return inLimitedChild([&] {
    try {
      parseInventory(text, "inv.yaml");
      return std::string("(accepted)");
    } catch (const Error& e) {
      return std::string(e.what());
    }
  });
}

const std::string kComma =
    ": a ',' outside [ ] and { }; a comma separates items only in a flow list [a, b] or a flow map {a: 1, b: 2} "
    "(quote a value that starts with one: key: \", ...\")";

std::map<std::string, std::string> loadMap(const std::string& text) {
  yamlr::Reader r("x.yaml");
  std::map<std::string, std::string> out;
  YAML::Node root = r.loadSingleMap(text, "a map").node;
  for (auto it = root.begin(); it != root.end(); ++it)
    out[it->first.Scalar()] = it->second.IsScalar() ? it->second.Scalar() : "";
  return out;
}

}  // namespace

// The four inputs seen to take gigabytes, and the other places the same ',' reaches a document's root.
TEST(YamlFlowComma, CommaWhereADocumentRootStartsIsRefusedAtTheComma) {
  const std::pair<std::string, std::string> cases[] = {
      {",\n", "1:1"},
      {"# c\n,\n", "2:1"},
      {"a: b\n---\n,\n", "3:1"},
      {"\"x\"\n,\n", "2:1"},
      {",", "1:1"},
      {"  ,  # c\n", "1:3"},
      {"--- ,\n", "1:5"},
      {"...\n,\n", "2:1"},
      {"%YAML 1.2\n---\n,\n", "3:1"},
      {"!!str ,\n", "1:7"},
      {"&a ,\n", "1:4"},
      {"'x' ,\n", "1:5"},
      {"\"x\", \"y\"\n", "1:4"},
      {"- a\n,\n", "2:1"},
      {"[a] ,\n", "1:5"},
      {"{a: 1},\n", "1:7"},
      {"|\n  x\n,\n", "3:1"},
      {"\xEF\xBB\xBF,\n", "1:1"},
      {",\r\n", "1:1"},
      // A JSON-style inventory with a trailing comma.
      {"{apiVersion: kforge.dev/v1alpha1, kind: Cluster},\n", "1:49"},
      {kGood + "---\n,\n", "9:1"},
  };
  for (const auto& [text, at] : cases) EXPECT_EQ(inventoryError(text), "inv.yaml:" + at + kComma) << text;
}

// Without the guard yaml-cpp would get further in a second document; kforge needs one and says so at its root.
TEST(YamlFlowComma, SecondDocumentIsRefusedAtItsRoot) {
  const std::string second =
      ": a second YAML document starts here; the file must hold exactly one document (remove the '---' separator "
      "and everything after it, or split it into separate files)";
  EXPECT_EQ(inventoryError(kGood + "---\nfoo: 1\n"), "inv.yaml:9:1" + second);
  EXPECT_EQ(inventoryError(kGood + "--- &a ,\n"), "inv.yaml:8:5" + second);
  EXPECT_EQ(inventoryError(kGood + "...\nfoo: [\n"), "inv.yaml:9:1" + second);
  EXPECT_EQ(inventoryError(kGood + "...\n"), "(accepted)");
  EXPECT_EQ(inventoryError("---\n" + kGood), "(accepted)");
  // A syntax error in the first document is reported as before.
  EXPECT_EQ(inventoryError("a: [b\n,\n"), "inv.yaml:3:1: YAML syntax error: end of sequence flow not found");
  EXPECT_EQ(inventoryError("a: b\n,\n"), "inv.yaml:2:1: YAML syntax error: end of map not found");
}

// Commas the guard must let through: in plain scalars (also at the start of a continuation line), quotes,
// comments, block scalars and as the separator in flow collections; yaml-cpp reads the same values.
TEST(YamlFlowComma, CommasInValuesCommentsAndFlowCollectionsAreAccepted) {
  const std::string text =
      "# a comment, with commas,\n"
      "plain: a, b ,c\n"
      "continued: first\n"
      "  , second\n"
      "single: ', x'\n"
      "double: \", y\"  # , z\n"
      "literal: |\n"
      "  ,\n"
      "  , ,\n"
      "folded: >-\n"
      "  ,a\n"
      "flowSeq: [a, b, ',', \",\",]\n"
      "flowMap: {a: 1, b: 2,}\n"
      "nested: [[a, b], {c: d, e: [f, g]}, ]\n"
      "multilineFlow: [\n"
      "  a\n"
      "  , b\n"
      "  ,\n"
      "]\n";
  auto m = inLimitedChild([&] {
    auto values = loadMap(text);
    std::string out;
    for (const auto& [k, v] : values) out += k + "=" + v + "|";
    return out;
  });
  EXPECT_EQ(m, "continued=first , second|double=, y|flowMap=|flowSeq=|folded=,a|literal=,\n, ,\n|multilineFlow=|"
               "nested=|plain=a, b ,c|single=, x|");
  YAML::Node n = YAML::Load(text);  // one document: Load reads only the first, it cannot loop
  EXPECT_EQ(n["flowSeq"].size(), 4u);
  EXPECT_EQ(n["flowSeq"][2].Scalar(), ",");
  EXPECT_EQ(n["flowMap"].size(), 2u);
  EXPECT_EQ(n["multilineFlow"].size(), 2u);
}

TEST(YamlFlowComma, InventoryWithCommasIsAccepted) {
  const std::string text =
      "# kforge inventory, commas everywhere they may be\n"
      "apiVersion: kforge.dev/v1alpha1\n"
      "kind: Cluster\n"
      "metadata: {name: commas}\n"
      "spec:\n"
      "  kubernetesVersion: v1.31.2\n"
      "  apiServer:\n"
      "    certSANs: [api.example.com, 10.0.0.10, ]\n"
      "    extraArgs:\n"
      "      feature-gates: \"A=true,B=false\"\n"
      "      admission-control-config-file: /etc/a,b.yaml\n"
      "  controllerManager: {extraArgs: {controllers: '*,-bootstrapsigner'}}\n"
      "  nodePools:\n"
      "    - {name: control, role: control-plane,\n"
      "       hosts: [{name: cp1, address: 10.0.0.11}, {name: cp2, address: 10.0.0.12},\n"
      "               {name: cp3, address: 10.0.0.13}]}\n";
  EXPECT_EQ(inventoryError(text), "(accepted)");
  Cluster c = parseInventory(text, "inv.yaml");
  EXPECT_EQ(c.apiServer.extraArgs["feature-gates"], "A=true,B=false");
  EXPECT_EQ(c.apiServer.extraArgs["admission-control-config-file"], "/etc/a,b.yaml");
  EXPECT_EQ(c.controllerManager.extraArgs["controllers"], "*,-bootstrapsigner");
  EXPECT_EQ(c.apiServer.certSANs.size(), 2u);
  EXPECT_EQ(c.hosts().size(), 3u);
}

// The child's limit is real: a runaway allocation fails in the child, not in the machine.
TEST(YamlFlowComma, TheChildsMemoryLimitHolds) {
  std::string r = inLimitedChild([] {
    std::vector<std::string> hog;
    for (volatile bool more = true; more;) hog.emplace_back(1 << 20, 'x');
    return "(never ran out of memory: " + std::to_string(hog.size()) + " MiB)";
  }, true);
  EXPECT_TRUE(r.starts_with("(out of memory") || r.starts_with("(killed by signal 6") || r.starts_with("(exited with"))
      << r;
}

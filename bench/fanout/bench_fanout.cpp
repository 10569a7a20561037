// Fan-out benchmark, kforge's side: through the fleet executor (ssh::Fleet), connect to every host, upload the
// files of --files DIR into --dest (a fresh directory per run, so nothing is skipped), then run the 3 benchmark
// commands, one fleet step each. Exits non-zero when any host fails any step. Prints one line per step with the
// wall time of the step and the slowest host, and a final "total_s=" line (connect included).
//   kforge_bench_fanout (--inventory FILE | --hosts FILE --key FILE --known-hosts FILE) --files DIR --dest DIR
//                       [--concurrency 30] [--user root] [--quiet]
// --hosts: one "name address" or "address" per line. --key / --known-hosts override the inventory's ssh section.
// The 3 commands (run.sh gives parallel-ssh and ansible the same ones): `sha256sum -- DEST/*` (its output
// checked against the local content), uname -r, cat /proc/loadavg.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/inventory.hpp"
#include "core/sha256.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/sftp.hpp"
#include "ssh/shell.hpp"

using namespace kforge;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

[[noreturn]] void usage() {
  std::cerr << "usage: kforge_bench_fanout (--inventory FILE | --hosts FILE --key FILE --known-hosts FILE) --files DIR\n"
               "                           --dest REMOTE_DIR [--concurrency N] [--user USER] [--quiet]\n";
  std::exit(2);
}

std::vector<ssh::FleetHost> readHostsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path);
  std::vector<ssh::FleetHost> hosts;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string a, b;
    if (!(ls >> a) || a[0] == '#') continue;
    if (ls >> b) hosts.push_back({a, {b, 22}});
    else hosts.push_back({a, {a, 22}});
  }
  return hosts;
}

}  // namespace

int main(int argc, char** argv) {
  std::string inventory, hostsFile, key, knownHosts, filesDir, dest, user;
  int concurrency = 30;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--inventory") inventory = val();
    else if (a == "--hosts") hostsFile = val();
    else if (a == "--key") key = val();
    else if (a == "--known-hosts") knownHosts = val();
    else if (a == "--files") filesDir = val();
    else if (a == "--dest") dest = val();
    else if (a == "--concurrency") concurrency = std::stoi(val());
    else if (a == "--user") user = val();
    else if (a == "--quiet") quiet = true;
    else usage();
  }
  if ((inventory.empty() == hostsFile.empty()) || filesDir.empty() || dest.empty() || dest[0] != '/') usage();

  try {
    auto t0 = Clock::now();
    std::vector<ssh::FleetHost> hosts;
    ssh::SessionOptions options;
    if (!inventory.empty()) {
      Cluster c = loadInventory(inventory);
      for (const Host* h : c.hosts()) hosts.push_back({h->name, {h->address, c.ssh.port}});
      options = ssh::SessionOptions::fromSpec(c.ssh);
    } else {
      hosts = readHostsFile(hostsFile);
      if (key.empty() || knownHosts.empty()) usage();
    }
    if (!key.empty()) options.keyPath = key;
    if (!knownHosts.empty()) options.knownHostsPath = knownHosts;
    if (!user.empty()) options.user = user;
    options.hostKeys = HostKeyPolicy::Strict;
    if (hosts.empty()) throw Error("no hosts");

    // The files, in name order; their sha256 to check the first command's output against.
    FileSet files;
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(filesDir))
      if (e.is_regular_file()) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::map<std::string, std::string> want;  // remote path -> sha256
    for (const auto& n : names) {
      FileEntry f{dest + "/" + n, 0644, readFile(filesDir + "/" + n)};
      want[f.path] = sha256Hex(f.content);
      files.push_back(std::move(f));
    }
    if (files.empty()) throw Error("no files in " + filesDir);

    ssh::Fleet fleet(hosts, options, concurrency);
    fleet.setSkipFailed(true);
    bool ok = true;
    auto step = [&](const std::string& name, const ssh::StepFn& fn) {
      auto s0 = Clock::now();
      ssh::StepResults r = fleet.run(name, fn);
      double wall = seconds(s0, Clock::now());
      std::chrono::milliseconds slowest{0};
      for (const auto& h : r.hosts) {
        slowest = std::max(slowest, h.elapsed);
        if (!h.ok) std::cerr << "FAILED " << h.host << " " << name << ": " << h.detail << "\n";
      }
      ok = ok && r.allOk();
      if (!quiet)
        std::printf("step=%-8s wall_s=%.3f slowest_host_s=%.3f ok=%zu/%zu\n", name.c_str(), wall,
                    static_cast<double>(slowest.count()) / 1000, r.hosts.size() - r.failedHosts().size(), r.hosts.size());
    };

    // Connect is its own step only to report it apart: a fleet step connects on first use anyway.
    step("connect", [](const ssh::FleetHost&, ssh::Session&) { return std::string(); });
    step("upload", [&](const ssh::FleetHost&, ssh::Session& s) {
      ssh::UploadReport rep = ssh::upload(s, files);
      if (rep.uploaded != static_cast<int>(files.size()))
        throw Error(s.label() + ": expected " + std::to_string(files.size()) + " uploads, got " + rep.summary() +
                    " (the destination must be fresh)");
      return rep.summary();
    });
    step("sha256", [&](const ssh::FleetHost&, ssh::Session& s) {
      // The same line run.sh gives the peers: sha256sum -- DEST/*
      ssh::ShellCommand cmd("sha256sum");
      cmd.arg("--").raw(ssh::shellQuote(dest) + "/*");
      ssh::ExecResult r = ssh::execChecked(s, cmd);
      std::istringstream in(r.out);
      std::string line;
      size_t matched = 0;
      while (std::getline(in, line))
        if (line.size() > 66 && want.count(line.substr(66)) && want[line.substr(66)] == line.substr(0, 64)) ++matched;
      if (matched != files.size())
        throw Error(s.label() + ": sha256sum matched " + std::to_string(matched) + " of " + std::to_string(files.size()));
      return std::string();
    });
    step("uname", [](const ssh::FleetHost&, ssh::Session& s) { return ssh::execChecked(s, "uname -r").out; });
    step("loadavg", [](const ssh::FleetHost&, ssh::Session& s) { return ssh::execChecked(s, "cat /proc/loadavg").out; });
    fleet.disconnect();
    std::printf("hosts=%zu files=%zu total_s=%.3f ok=%d\n", hosts.size(), files.size(), seconds(t0, Clock::now()), ok);
    return ok ? 0 : 1;
  } catch (const Error& e) {
    std::cerr << "kforge_bench_fanout: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "kforge_bench_fanout: " << e.what() << "\n";
    return 1;
  }
}

#include "ssh/fleet.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace kforge::ssh {

using Clock = std::chrono::steady_clock;

struct Fleet::Slot {
  size_t index = 0;  // into hosts_
  std::mutex mu;  // one user of the session at a time
  std::unique_ptr<Session> session;
  bool failed = false;
};

bool StepResults::allOk() const {
  return std::all_of(hosts.begin(), hosts.end(), [](const HostResult& r) { return r.ok; });
}

std::vector<std::string> StepResults::failedHosts() const {
  std::vector<std::string> out;
  for (const auto& r : hosts)
    if (!r.ok) out.push_back(r.host);
  return out;
}

const HostResult* StepResults::find(const std::string& host) const {
  for (const auto& r : hosts)
    if (r.host == host) return &r;
  return nullptr;
}

Fleet::Fleet(std::vector<FleetHost> hosts, SessionOptions options, int concurrency, ProgressFn progress)
    : hosts_(std::move(hosts)), options_(std::move(options)), concurrency_(std::max(1, concurrency)),
      progress_(std::move(progress)), start_(Clock::now()) {
  for (size_t i = 0; i < hosts_.size(); ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->index = i;
  }
}

Fleet::~Fleet() { disconnect(); }

int Fleet::workers() const { return std::min<int>(concurrency_, static_cast<int>(hosts_.size())); }

void Fleet::disconnect() {
  for (auto& s : slots_) {
    std::lock_guard lock(s->mu);
    s->session.reset();
  }
}

Session& Fleet::sessionFor(Slot& slot) {
  // Reconnect when a previous step broke the transport.
  if (slot.session && !slot.session->healthy()) slot.session.reset();
  if (!slot.session) {
    const FleetHost& h = hosts_[slot.index];
    slot.session = Session::connect(h.name, h.endpoint, options_);
  }
  return *slot.session;
}

Session& Fleet::session(const std::string& host) {
  for (size_t i = 0; i < hosts_.size(); ++i)
    if (hosts_[i].name == host) {
      std::lock_guard lock(slots_[i]->mu);
      return sessionFor(*slots_[i]);
    }
  throw Error("no host '" + host + "' in the fleet");
}

void Fleet::emit(const ProgressEvent& e) {
  if (!progress_) return;
  std::lock_guard lock(progressMu_);
  progress_(e);
}

StepResults Fleet::run(const std::string& step, const StepFn& fn, const std::vector<std::string>& only) {
  std::vector<size_t> todo;
  for (size_t i = 0; i < hosts_.size(); ++i)
    if (only.empty() || std::find(only.begin(), only.end(), hosts_[i].name) != only.end()) todo.push_back(i);
  StepResults results;
  results.hosts.resize(todo.size());
  std::atomic<size_t> next{0};
  auto since = [&] { return std::chrono::duration<double>(Clock::now() - start_).count(); };

  auto worker = [&] {
    for (;;) {
      size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      const FleetHost& host = hosts_[todo[k]];
      Slot& slot = *slots_[todo[k]];
      HostResult& r = results.hosts[k];
      r.host = host.name;
      std::lock_guard lock(slot.mu);
      if (skipFailed_ && slot.failed) {
        r.skipped = true;
        r.detail = "failed earlier";
        r.code = ExitCode::Failure;
        emit({host.name, step, StepStatus::Skipped, since(), 0, r.detail, r.code});
        continue;
      }
      auto t0 = Clock::now();
      emit({host.name, step, StepStatus::Started, since(), 0, "", ExitCode::Ok});
      try {
        Session& s = sessionFor(slot);
        r.detail = fn(host, s);
        r.ok = true;
      } catch (const Error& e) {
        r.detail = e.what();
        r.code = e.code();
      } catch (const std::exception& e) {
        r.detail = e.what();
        r.code = ExitCode::Failure;
      }
      if (!r.ok) slot.failed = true;
      r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
      emit({host.name, step, r.ok ? StepStatus::Ok : StepStatus::Failed, since(),
            std::chrono::duration<double>(r.elapsed).count(), r.detail, r.code});
    }
  };

  int n = std::min<int>(concurrency_, static_cast<int>(todo.size()));
  if (n <= 1) {
    worker();
  } else {
    std::vector<std::jthread> pool;
    for (int i = 0; i < n; ++i) pool.emplace_back(worker);
  }
  return results;
}

}  // namespace kforge::ssh

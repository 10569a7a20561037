// Waiting for what actually runs: a bounded poll of a condition, every 500 ms, with the time spent waiting
// accounted separately from kforge's own work (apply and upgrade report both).
#pragma once
#include <chrono>
#include <functional>
#include <string>

namespace kforge {

// Polls `check` until it returns "" (done). A non-empty return or a thrown kforge::Error is the reason it is
// not done yet; after `timeout` throws kforge::Error("timed out after N s waiting for <what>: <last reason>").
void waitUntil(std::chrono::seconds timeout, const std::string& what, const std::function<std::string()>& check);

// Seconds this process spent in waitUntil and in etcd client retries.
double waitedSeconds();

}  // namespace kforge

#include "kube/merge.hpp"

namespace kforge::kube {

using nlohmann::json;

namespace {

// Go's omitempty: the server does not store false, 0, "", null, {} or [] for most fields, so a value like
// that which we set and the server leaves out is not a difference.
bool zeroValue(const json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v == 0;
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  return (v.is_object() || v.is_array()) && v.empty();
}

void overlayMap(json& into, const json& live, const json& desired, const char* key) {
  json merged = json::object();
  if (live.contains(key) && live[key].is_object()) merged = live[key];
  if (desired.contains(key) && desired[key].is_object())
    for (const auto& [k, v] : desired[key].items()) merged[k] = v;
  if (merged.empty()) into.erase(key);
  else into[key] = merged;
}

const json* findPort(const json& livePorts, const json& port) {
  if (!livePorts.is_array()) return nullptr;
  const std::string name = port.value("name", "");
  for (const auto& lp : livePorts) {
    if (!name.empty() && lp.value("name", "") == name) return &lp;
    if (name.empty() && lp.value("port", -1) == port.value("port", -2) &&
        lp.value("protocol", "TCP") == port.value("protocol", "TCP"))
      return &lp;
  }
  return nullptr;
}

void keepServiceFields(json& out, const json& live) {
  if (!live.contains("spec") || !live["spec"].is_object()) return;
  const json& ls = live["spec"];
  json& spec = out["spec"];
  for (const char* k : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"})
    if (!spec.contains(k) && ls.contains(k)) spec[k] = ls[k];
  if (spec.contains("ports") && spec["ports"].is_array() && ls.contains("ports"))
    for (auto& p : spec["ports"])
      if (!p.contains("nodePort"))
        if (const json* lp = findPort(ls["ports"], p); lp && lp->contains("nodePort")) p["nodePort"] = (*lp)["nodePort"];
}

}  // namespace

json mergeForUpdate(const json& desired, const json& live) {
  json out = desired;
  // Top-level fields we do not set stay as the server has them (status, data, secrets, ...).
  for (const auto& [k, v] : live.items())
    if (!out.contains(k)) out[k] = v;

  json meta = desired.contains("metadata") && desired["metadata"].is_object() ? desired["metadata"] : json::object();
  const json liveMeta = live.contains("metadata") && live["metadata"].is_object() ? live["metadata"] : json::object();
  overlayMap(meta, liveMeta, meta, "labels");
  overlayMap(meta, liveMeta, meta, "annotations");
  for (const char* k : {"finalizers", "ownerReferences"})
    if (!meta.contains(k) && liveMeta.contains(k)) meta[k] = liveMeta[k];
  if (liveMeta.contains("resourceVersion")) meta["resourceVersion"] = liveMeta["resourceVersion"];
  out["metadata"] = meta;

  if (desired.value("kind", "") == "Service" && desired.contains("spec")) keepServiceFields(out, live);
  return out;
}

bool isSubset(const json& desired, const json& live) {
  if (desired.is_object()) {
    if (!live.is_object()) return false;
    for (const auto& [k, v] : desired.items()) {
      auto it = live.find(k);
      if (it == live.end()) {
        if (zeroValue(v)) continue;
        return false;
      }
      if (!isSubset(v, *it)) return false;
    }
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.size() != desired.size()) return false;
    for (size_t i = 0; i < desired.size(); ++i)
      if (!isSubset(desired[i], live[i])) return false;
    return true;
  }
  return desired == live;
}

bool alreadyApplied(const json& desired, const json& live) {
  for (const auto& [k, v] : desired.items()) {
    if (k == "metadata") {
      const json liveMeta = live.contains("metadata") ? live["metadata"] : json::object();
      for (const char* m : {"labels", "annotations"})
        if (v.contains(m) && !isSubset(v[m], liveMeta.contains(m) ? liveMeta[m] : json::object())) return false;
      continue;
    }
    auto it = live.find(k);
    if (it == live.end()) {
      if (zeroValue(v)) continue;
      return false;
    }
    if (!isSubset(v, *it)) return false;
  }
  return true;
}

json mergeTaints(const json& existing, const std::vector<Taint>& add, bool* changed) {
  json out = existing.is_array() ? existing : json::array();
  bool diff = false;
  for (const Taint& t : add) {
    bool found = false;
    for (auto& e : out) {
      if (e.value("key", "") != t.key || e.value("effect", "") != t.effect) continue;
      found = true;
      if (e.value("value", "") != t.value) {
        if (t.value.empty()) e.erase("value");
        else e["value"] = t.value;
        e.erase("timeAdded");
        diff = true;
      }
    }
    if (!found) {
      json j = {{"key", t.key}, {"effect", t.effect}};
      if (!t.value.empty()) j["value"] = t.value;
      out.push_back(j);
      diff = true;
    }
  }
  if (changed) *changed = diff;
  return out;
}

json removeTaints(const json& existing, const std::string& key, const std::string& effect, bool* changed) {
  json out = json::array();
  bool diff = false;
  if (existing.is_array())
    for (const auto& e : existing) {
      if (e.value("key", "") == key && (effect.empty() || e.value("effect", "") == effect)) {
        diff = true;
        continue;
      }
      out.push_back(e);
    }
  if (changed) *changed = diff;
  return out;
}

}  // namespace kforge::kube

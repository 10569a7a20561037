#include "upgrade/report_html.hpp"

#include <cstdio>
#include <sstream>

#include "core/base64.hpp"
#include "core/sha256.hpp"

namespace kforge::upgrade {

namespace {

// Drawn into inline SVG by the page itself (report_html.hpp). Plain ES5-style JavaScript: it runs in any browser
// an operator may open the file with. Text reaches the DOM through textContent and setAttribute only.
constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var body = document.body;
  function fail(msg) {
    var e = document.getElementById('render-error');
    e.textContent = 'The timeline could not be drawn: ' + msg;
    e.hidden = false;
    body.setAttribute('data-render', 'error');
  }
  window.addEventListener('error', function (ev) { fail(String(ev.message)); });
  function el(parent, name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function ms(s) { return typeof s === 'string' ? Date.parse(s) : NaN; }
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function clock(sec) {
    sec = Math.round(sec);
    var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return (h ? h + ':' + pad2(m) : String(m)) + ':' + pad2(s);
  }
  function dur(sec) { return sec < 60 ? sec.toFixed(sec < 10 ? 2 : 1) + ' s' : clock(sec); }

  var W = 1200, LABEL = 170, RIGHT = 16, PW = W - LABEL - RIGHT;
  try {
    var run = JSON.parse(document.getElementById('report-data').textContent);
    var t0 = ms(run.startedAt), t1 = t0;
    if (isNaN(t0)) throw new Error('the report has no start time');
    var seen = function (v) { if (!isNaN(v) && v > t1) t1 = v; };
    var steps = [], lanes = [], probes = {}, channels = [], attempts = [];
    run.attempts.forEach(function (a) {
      seen(ms(a.startedAt));
      seen(ms(a.finishedAt));
      attempts.push({n: a.attempt, start: ms(a.startedAt)});
      a.steps.forEach(function (s) {
        var st = ms(s.start), en = ms(s.end);
        seen(st);
        seen(en);
        steps.push({a: a.attempt, s: s, start: st, end: en});
        if (lanes.indexOf(s.host) < 0) lanes.push(s.host);
      });
      if (a.probe) {
        var ps = ms(a.probe.startedAt);
        seen(ps + a.probe.durationSeconds * 1000);
        a.probe.channels.forEach(function (c) {
          if (!probes[c.channel]) { probes[c.channel] = []; channels.push(c.channel); }
          probes[c.channel].push({start: ps, interval: a.probe.intervalMs, duration: a.probe.durationSeconds, c: c});
        });
      }
    });
    // Cluster-wide steps first, then hosts in the order they first did something.
    lanes.sort(function (p, q) { return p === '' ? -1 : (q === '' ? 1 : 0); });
    var span = Math.max(t1 - t0, 1000);
    var x = function (t) { return LABEL + (t - t0) / span * PW; };
    var ticks = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
    var tick = ticks[ticks.length - 1];
    for (var i = 0; i < ticks.length; i++) if (span / 1000 / ticks[i] <= 12) { tick = ticks[i]; break; }
    var grid = function (svg, y0, y1, labels) {
      for (var s = 0; s * 1000 <= span; s += tick) {
        var xx = x(t0 + s * 1000);
        el(svg, 'line', {'class': 'grid', x1: xx, x2: xx, y1: y0, y2: y1});
        if (labels) el(svg, 'text', {'class': 'tick', x: xx, y: y0 - 6}, '+' + clock(s));
      }
      attempts.forEach(function (a) {
        if (a.n < 2 || isNaN(a.start)) return;
        var xa = x(a.start);
        el(svg, 'line', {'class': 'attempt', x1: xa, x2: xa, y1: y0, y2: y1});
        if (labels) el(svg, 'text', {'class': 'attempt-label', x: xa + 3, y: y0 + 10}, 'attempt ' + a.n);
      });
    };

    // The timeline: one lane per host.
    var LANE = 26, TOP = 34;
    var H = TOP + lanes.length * LANE + 8;
    var tl = el(null, 'svg', {id: 'timeline-svg', 'class': 'timeline', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H});
    el(tl, 'title', {}, 'Steps per host over time');
    var laneGroups = lanes.map(function (h, i) {
      var g = el(tl, 'g', {'class': 'lane', 'data-host': h, transform: 'translate(0,' + (TOP + i * LANE) + ')'});
      el(g, 'rect', {'class': 'lane-bg', x: 0, y: 0, width: W, height: LANE - 2});
      el(g, 'text', {'class': 'lane-label', x: 6, y: LANE / 2 + 3}, h === '' ? '(cluster)' : h);
      return g;
    });
    grid(tl, TOP - 4, H, true);
    // Backups last, as a thin bar along the bottom of the step they precede (they run inside it).
    var isBackup = function (st) { return st.s.phase === 'backup'; };
    steps.filter(function (st) { return !isBackup(st); }).concat(steps.filter(isBackup)).forEach(function (st) {
      var s = st.s, g = laneGroups[lanes.indexOf(s.host)];
      var end = isNaN(st.end) ? t1 : st.end;
      var x0 = x(st.start), w = Math.max(x(end) - x0, 2);
      var backup = s.phase === 'backup';
      var r = el(g, 'rect', {
        'class': 'step ' + (backup ? 'backup' : 'result-' + s.result), x: x0.toFixed(1), y: backup ? LANE - 9 : 4,
        width: w.toFixed(1), height: backup ? 5 : LANE - 10,
        'data-host': s.host, 'data-phase': s.phase, 'data-result': s.result, 'data-attempt': st.a
      });
      var tip = s.phase + (s.host ? ' on ' + s.host : '') + ': ' + s.result +
        ' (attempt ' + st.a + ', +' + clock((st.start - t0) / 1000) + ', ' + dur((end - st.start) / 1000) + ')';
      if (s.description) tip += '\n' + s.description;
      if (s.backupId) tip += '\nbackup ' + s.backupId + (backup ? '' : ' taken before this step');
      if (s.detail) tip += '\n' + s.detail;
      el(r, 'title', {}, tip);
    });
    document.getElementById('timeline').appendChild(tl);

    // Beneath: per probe channel, each write's latency (log scale), failed writes, gaps.
    var charts = document.getElementById('probe-charts');
    channels.forEach(function (name) {
      var parts = probes[name], CH = 120, PT = 26, PB = 8;
      var maxLat = 10;
      parts.forEach(function (p) { p.c.series.forEach(function (s) { if (s[1] > maxLat) maxLat = s[1]; }); });
      var lo = Math.log(0.5), hi = Math.log(maxLat * 1.3);
      var y = function (l) { return PT + (1 - (Math.log(Math.max(l, 0.5)) - lo) / (hi - lo)) * (CH - PT - PB); };
      var svg = el(null, 'svg', {'class': 'probe', 'data-channel': name, width: W, height: CH, viewBox: '0 0 ' + W + ' ' + CH});
      el(svg, 'title', {}, name + ': write latency, failed writes and gaps');
      el(svg, 'text', {'class': 'lane-label', x: 6, y: 16}, name + ' writes');
      grid(svg, PT, CH - PB, false);
      [1, 10, 100, 1000, 10000].forEach(function (v) {
        if (v > maxLat * 1.3) return;
        el(svg, 'line', {'class': 'grid', x1: LABEL, x2: W - RIGHT, y1: y(v), y2: y(v)});
        el(svg, 'text', {'class': 'ytick', x: LABEL - 4, y: y(v) + 3}, v + ' ms');
      });
      var longest = null;
      parts.forEach(function (p) {
        var minGap = Math.max(3 * p.interval, 300) / 1000, last = 0, pts = [], fails = [];
        var gap = function (from, to) {
          if (to - from <= minGap) return;
          var gx = x(p.start + from * 1000), gw = Math.max(x(p.start + to * 1000) - gx, 1);
          var r = el(svg, 'rect', {'class': 'gap', x: gx.toFixed(1), y: PT, width: gw.toFixed(1), height: CH - PT - PB,
                                   'data-seconds': (to - from).toFixed(3)});
          el(r, 'title', {}, 'no successful write for ' + dur(to - from) + ' from +' + clock((p.start - t0) / 1000 + from));
          if (!longest || to - from > longest.len) longest = {len: to - from, r: r};
        };
        p.c.series.forEach(function (s) {
          var xx = x(p.start + s[0] * 1000).toFixed(1);
          if (s[2]) {
            gap(last, s[0]);
            last = s[0];
            pts.push(xx + ',' + y(s[1]).toFixed(1));
          } else {
            fails.push('M' + xx + ' ' + (PT - 8) + 'v7');
          }
        });
        gap(last, p.duration);
        if (pts.length) el(svg, 'polyline', {'class': 'latency', points: pts.join(' ')});
        if (fails.length) {
          var f = el(svg, 'path', {'class': 'failures', d: fails.join('')});
          el(f, 'title', {}, fails.length + ' failed writes');
        }
      });
      if (longest) longest.r.setAttribute('class', 'gap longest');
      charts.appendChild(svg);
    });
    document.getElementById('render-status').textContent =
      'Drawn: ' + lanes.length + ' lanes, ' + steps.length + ' steps, ' + channels.length + ' probe charts.';
    if (body.getAttribute('data-render') !== 'error') body.setAttribute('data-render', 'ok');
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
  }
})();
)JS";

constexpr const char* kStyle = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; } .detail { max-width: 40em; white-space: pre-wrap; word-break: break-word; font-size: 12px; }
.ok, .succeeded { color: #1a7f37; } .failed { color: #c62828; font-weight: bold; } .interrupted, .running, .warning { color: #b26a00; }
#render-error { color: #c62828; }
svg { display: block; max-width: 100%; height: auto; font-size: 11px; }
.lane-bg { fill: #f6f8fa; } .lane-label { fill: #222; } .tick, .ytick { fill: #666; } .tick { text-anchor: middle; } .ytick { text-anchor: end; }
.grid { stroke: #ddd; stroke-width: 1; } .attempt { stroke: #555; stroke-dasharray: 4 3; } .attempt-label { fill: #555; }
.step { stroke: #fff; stroke-width: .5; } .result-ok { fill: #2da44e; } .result-failed { fill: #cf222e; } .result-skipped { fill: #afb8c1; }
.result-running, .result-interrupted { fill: #d4a72c; } .backup { fill: #0969da; }
.latency { fill: none; stroke: #0969da; stroke-width: 1; } .failures { stroke: #cf222e; stroke-width: 1.5; }
.gap { fill: #cf222e; fill-opacity: .12; } .gap.longest { fill-opacity: .28; }
)CSS";

std::string cspHash(const std::string& text) {
  Sha256 h;
  h.update(text.data(), text.size());
  return "'sha256-" + base64Encode(h.digest()) + "'";
}

std::string time(int64_t ms) { return ms ? formatUtcMs(ms) : "-"; }

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

std::string number(double v, const char* fmt = "%.1f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// The report as a JSON text no HTML parser can end early: '<', '>' and '&' only occur inside JSON strings, where
// their \u escapes mean the same.
std::string jsonForScript(const RunData& run) {
  std::string text = toJson(run).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

}  // namespace

std::string htmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string renderReportHtml(const RunData& run) {
  const std::string script = kScript, style = kStyle;
  auto e = htmlEscape;
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src " << cspHash(script)
    << "; style-src " << cspHash(style) << "; base-uri 'none'; form-action 'none'\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>kforge run " << e(run.runId) << "</title>\n<style>" << style << "</style>\n</head>\n<body>\n";
  h << "<h1>kforge run " << e(run.runId) << ": <span class=\"" << e(run.outcome) << "\">" << e(run.outcome)
    << "</span></h1>\n<table class=\"summary\">\n"
    << "<tr><th>cluster</th><td>" << e(run.cluster) << "</td></tr>\n"
    << "<tr><th>command</th><td>" << e(run.commandKey) << "</td></tr>\n"
    << "<tr><th>versions</th><td>" << e(run.fromVersion.empty() ? "?" : run.fromVersion) << " → "
    << e(run.toVersion.empty() ? "?" : run.toVersion) << "</td></tr>\n"
    << "<tr><th>strategy</th><td>" << e(run.strategy) << "</td></tr>\n"
    << "<tr><th>started</th><td>" << time(run.startedMs) << "</td></tr>\n"
    << "<tr><th>finished</th><td>" << time(run.finishedMs) << "</td></tr>\n"
    << "<tr><th>attempts</th><td>" << run.attempts.size() << "</td></tr>\n</table>\n";
  h << "<h2>Timeline</h2>\n<p id=\"render-status\">The timeline is drawn by the page's script.</p>\n"
    << "<p id=\"render-error\" hidden></p>\n<div id=\"timeline\"></div>\n<div id=\"probe-charts\"></div>\n";

  for (const auto& a : run.attempts) {
    h << "<h2>Attempt " << a.number << ": <span class=\"" << e(a.outcome) << "\">" << e(a.outcome) << "</span></h2>\n"
      << "<p>" << time(a.startedMs) << " to " << time(a.finishedMs) << "<br><code>" << e(a.commandLine) << "</code>";
    if (!a.error.empty()) h << "<br><span class=\"failed\">" << e(a.error) << "</span>";
    h << "</p>\n";
    if (!a.gate.empty()) {
      h << "<h3>Gate</h3>\n<table class=\"gate\"><tr><th>check</th><th>host</th><th>result</th><th>message</th></tr>\n";
      for (const auto& g : a.gate)
        h << "<tr><td>" << e(g.check) << "</td><td>" << e(g.host.empty() ? "(cluster)" : g.host) << "</td><td class=\""
          << e(g.result) << "\">" << e(g.result) << "</td><td class=\"detail\">" << e(g.message) << "</td></tr>\n";
      h << "</table>\n";
    }
    if (a.probe) {
      h << "<h3>Availability probe</h3>\n";
      if (a.probe->recoveredFromJournal)
        h << "<p class=\"recovered\">The attempt was killed before its probe ended: these figures were recovered from "
             "the probe's journal by the next attempt, which checked every acknowledged write. They run to the last "
             "journalled write (the time until the kill is unknown); the probe's CPU time is not known.</p>\n";
      h << "<table class=\"probe-figures\"><tr><th>channel</th><th>target</th>"
        << "<th>attempted</th><th>acknowledged</th><th>failed</th><th>read-back failed</th><th>lost</th>"
        << "<th>longest gap</th><th>latency p50 / p99 / max</th><th>CPU</th><th>notes</th></tr>\n";
      for (const auto& c : a.probe->channels) {
        std::string notes = c.lastError.empty() ? "" : "last error: " + c.lastError;
        if (!c.checkError.empty()) notes += (notes.empty() ? "" : "\n") + std::string("not checked: ") + c.checkError;
        if (!c.cleanupError.empty()) notes += (notes.empty() ? "" : "\n") + std::string("not cleaned up: ") + c.cleanupError;
        h << "<tr><td>" << e(c.channel) << "</td><td>" << e(c.target) << "</td><td class=\"num\">" << c.attempted
          << "</td><td class=\"num\">" << c.acknowledged << "</td><td class=\"num\">" << c.failed
          << "</td><td class=\"num\">" << c.readBackFailed << "</td><td class=\"num " << (c.lost ? "failed" : "")
          << "\">" << (c.verified ? std::to_string(c.lost) : "unverified") << "</td><td class=\"num\">"
          << seconds(c.longestGapSeconds) << "</td><td class=\"num\">" << number(c.latencyP50Ms) << " / "
          << number(c.latencyP99Ms) << " / " << number(c.latencyMaxMs) << " ms</td><td class=\"num\">"
          << number(c.cpuSeconds, "%.2f") << " s</td><td class=\"detail\">" << e(notes) << "</td></tr>\n";
      }
      h << "</table>\n";
    }
    h << "<h3>Steps</h3>\n<table class=\"steps\"><tr><th>host</th><th>phase</th><th>description</th><th>start</th>"
      << "<th>duration</th><th>result</th><th>backup</th><th>detail</th></tr>\n";
    for (const auto& s : a.steps)
      h << "<tr><td>" << e(s.host.empty() ? "(cluster)" : s.host) << "</td><td>" << e(s.phase) << "</td><td>"
        << e(s.description) << "</td><td>" << time(s.startMs) << "</td><td class=\"num\">"
        << (s.endMs ? seconds(static_cast<double>(s.endMs - s.startMs) / 1000) : "-") << "</td><td class=\""
        << e(s.result) << "\">" << e(s.result) << "</td><td>" << e(s.backupId) << "</td><td class=\"detail\">"
        << e(s.detail) << "</td></tr>\n";
    h << "</table>\n";
  }
  h << "<script type=\"application/json\" id=\"report-data\">" << jsonForScript(run) << "</script>\n"
    << "<script>" << script << "</script>\n</body>\n</html>\n";
  return h.str();
}

}  // namespace kforge::upgrade

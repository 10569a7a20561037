// `kforge report RUN --html FILE`: one self-contained HTML page for a run report — no external resource of any
// kind (a Content-Security-Policy of default-src 'none' with the hashes of its own script and style says so to
// the browser), readable offline, attachable to a ticket.
//
// The page holds the report's JSON in a <script type="application/json"> element (with '<', '>' and '&' written
// as \u escapes, so no text in it can close the element) and a script that draws, into inline SVG:
//   - the timeline: one lane per host (cluster-wide steps in their own lane), every step as a bar on a shared time
//     axis, coloured by result, backups marked, attempt boundaries as dashed lines;
//   - beneath it, one chart per probe channel on the same time axis: each write's latency (log scale), failed
//     writes as red ticks, and every gap without a successful write longer than 3 intervals shaded.
// Every text the script shows goes through textContent / setAttribute, never markup. Without the script the
// page still shows the run's summary, the gate's findings, the probe's figures and the steps as tables, escaped
// here. When the script has drawn, <body> carries data-render="ok" (data-render="error" and the message in
// #render-error when it failed): what the headless-browser test checks.
#pragma once
#include <string>

#include "upgrade/report.hpp"

namespace kforge::upgrade {

std::string renderReportHtml(const RunData& run);

// &, <, >, " and ' as character references.
std::string htmlEscape(const std::string& s);

}  // namespace kforge::upgrade

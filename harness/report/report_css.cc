#include "report/report_css.h"

namespace harness {

std::string_view report_css() {
  static constexpr std::string_view kCss = R"css(
:root { --fg:#1d2430; --muted:#5b6574; --line:#dde2e8; --bg:#f6f7f9; --card:#fff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 28px 40px; }
header.top { display:flex; align-items:center; gap:16px; flex-wrap:wrap; padding:18px 22px; border-radius:10px;
  background:var(--card); border:1px solid var(--line); border-left:8px solid #888; }
header.top.pass { border-left-color:#2e7d32; } header.top.fail { border-left-color:#c62828; } header.top.inconclusive { border-left-color:#b26a00; }
header.top.timeout, header.top.error { border-left-color:#ef6c00; }
header.top h1 { font-size:22px; margin:0; font-weight:650; }
.badge { font-weight:700; letter-spacing:.06em; padding:3px 12px; border-radius:999px; color:#fff; background:#888; font-size:13px; }
.badge.pass { background:#2e7d32; } .badge.fail { background:#c62828; } .badge.timeout, .badge.error { background:#ef6c00; } .badge.inconclusive { background:#b26a00; }
.meta { color:var(--muted); font-size:13px; width:100%; margin:0; }
.desc { margin:0; width:100%; }
#writer { margin:14px 0 0; padding:12px 16px; background:#fff4f2; border:1px solid #f3c5bd; border-radius:8px; font-size:15px; }
#writer b { color:#a31515; }
#next { font-weight:600; }
details > summary { cursor:pointer; color:var(--muted); margin:6px 0; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 22px; margin-top:16px; }
h2 { font-size:16px; margin:0 0 10px; font-weight:650; }
h3 { font-size:14px; margin:14px 0 6px; color:var(--muted); font-weight:600; }
.kpis { display:flex; gap:12px; flex-wrap:wrap; margin-top:10px; }
.kpi { border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:150px; }
.kpi .v { font-size:20px; font-weight:650; } .kpi .k { color:var(--muted); font-size:12px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 9px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f0f2f5; font-weight:600; }
tr:nth-child(even) td { background:#fafbfc; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size:12px; overflow-wrap:anywhere; }
table.kv td:first-child { width:220px; color:var(--muted); }
tr.total td { font-weight:650; border-top:2px solid var(--line); }
tr.broken td { background:#fdecea; }
.held { color:#2e7d32; font-weight:650; } .failed { color:#c62828; font-weight:650; } .undecided { color:#b26a00; font-weight:650; }
.swatch { display:inline-block; width:11px; height:11px; border-radius:2px; vertical-align:-1px; margin-right:6px; }
.legend { display:flex; flex-wrap:wrap; gap:6px 18px; font-size:12px; color:var(--muted); margin-top:6px; }
pre.log { background:#0f1720; color:#d7dde5; padding:12px 14px; border-radius:8px; overflow:auto; font-size:12px; max-height:520px; }
pre.log .t { color:#7f8ea3; }
svg { display:block; width:100%; height:auto; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill:#5b6574; }
svg .lane-label { fill:#1d2430; font-weight:600; }
svg .axis { stroke:#9aa4b2; stroke-width:1; } svg .grid { stroke:#edf0f3; stroke-width:1; }
svg .phase { stroke:#44546a; stroke-width:1; stroke-dasharray:4 3; }
svg .phase-label { fill:#44546a; font-weight:600; }
svg .fault-window { fill:#fde7e4; }
svg .lane-bg { fill:#f7f8fa; }
svg .fault-band { fill-opacity:.38; }
svg .fault-write { fill:#d62728; } svg .fault-run { fill:#6a3d9a; fill-opacity:.55; }
svg .fault-drop_caches { fill:#1f77b4; } svg .fault-other { fill:#7f7f7f; }
svg .run-label { fill:#4a2775; font-weight:600; }
svg .writer-mark { fill:#a31515; }
svg .first-crash { stroke:#d62728; stroke-width:1.5; }
svg .first-crash-label { fill:#a31515; font-weight:600; }
svg .exec { shape-rendering:crispEdges; fill:#7f7f7f; }
svg .exec-ok { fill:#8fa89a; opacity:.75; } svg .exec-sigsegv { fill:#d62728; } svg .exec-sigbus { fill:#ff7f0e; }
svg .exec-sigill { fill:#9467bd; } svg .exec-exec_failed { fill:#b59a00; } svg .exec-exit_nonzero { fill:#1f77b4; }
svg .exec-other_signal { fill:#8c564b; } svg .exec-hung { fill:#111111; }
svg .rate-base { fill:#8fa89a; }
svg .pc-line { fill:none; stroke-width:1.8; }
footer { color:var(--muted); font-size:12px; margin-top:18px; text-align:center; }
)css";
  return kCss;
}

}  // namespace harness

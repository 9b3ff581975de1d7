/** The page's stylesheet, inlined (the report must open from an e-mail attachment on an air-gapped laptop). */
import { TICK_KINDS, TICK_STYLE } from './theme.js';

/** Tick colours and widths, from the theme's table. */
const TICKS = TICK_KINDS.map(
  (k) => `svg.swimlane .k-${k}{stroke:${TICK_STYLE[k].colour};stroke-width:${TICK_STYLE[k].width}px}.tick-swatch.k-${k}{background:${TICK_STYLE[k].colour}}`,
).join('\n');

export const CSS = `
:root{--fg:#1b1f24;--dim:#5b6470;--line:#d4d9df;--bg:#fff;--panel:#f6f8fa;--err:#c62828;--warn:#b26a00;--ok:#2e7d32}
*{box-sizing:border-box}
body{margin:0;padding:16px 24px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);max-width:1400px}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:0 0 4px;word-break:break-all}h3{font-size:14px;margin:6px 0 2px}
code,table.events,table.connections td:first-child{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
.dim{color:var(--dim)}
ul.capture{list-style:none;padding:0;margin:0 0 8px;color:var(--dim)}
.warning{color:var(--warn)}
.headline{background:var(--panel);border-left:4px solid var(--fg);padding:8px 12px;margin:10px 0}
.headline>p{font-size:16px;font-weight:600;margin:0}
.headline-more{margin:6px 0 0;padding-left:20px}
.sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px;font-weight:600;vertical-align:1px}
strong.sev-error,span.sev-error{color:var(--err)}strong.sev-warning,span.sev-warning{color:var(--warn)}span.sev-info{color:var(--ok)}
span.sev.sev-error{background:var(--err);color:#fff}span.sev.sev-warning{background:var(--warn);color:#fff}span.sev.sev-info{background:var(--ok);color:#fff}
table{border-collapse:collapse;margin:6px 0 10px}
th,td{border-bottom:1px solid var(--line);padding:2px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);position:sticky;top:0}
td.num,table.events td:first-child{text-align:right;white-space:nowrap}
table.events td:nth-child(5){min-width:22em}
table.events tr.folded td:nth-child(5){color:var(--dim)}
table.events tr.alarm td{font-weight:700}
table.events td:nth-child(6){color:var(--warn)}
table.events tbody tr{cursor:pointer}table.events tbody tr:hover{background:#eef4ff}
section.connection{border-top:2px solid var(--line);margin-top:24px;padding-top:10px;content-visibility:auto;contain-intrinsic-size:auto 900px}
section.connection:target{background:#fffbe6}
.explanation{max-width:110ch}
ul.findings{padding-left:18px}
.chart-wrap{position:relative}
svg{display:block;width:100%;height:auto;font-family:system-ui,sans-serif}
svg.fleet .grid line{stroke:#e5e8ec}svg.fleet .grid text,svg.swimlane .axis text{font-size:11px;fill:var(--dim);text-anchor:middle}
svg.fleet .bars{stroke-linecap:butt;shape-rendering:crispEdges}
svg.fleet .bands rect{opacity:.16}svg.fleet .bands text{font-size:11px;font-weight:600;fill:var(--fg)}
svg.fleet .rowlabel{font-size:11px;text-anchor:end;fill:var(--fg)}
svg.fleet .hover-row{fill:none;stroke:#000;stroke-width:1;pointer-events:none}
svg.fleet{cursor:crosshair}
.tooltip{position:absolute;pointer-events:none;background:#1b1f24;color:#fff;padding:6px 8px;border-radius:4px;font-size:12px;max-width:460px;white-space:pre-wrap;word-break:break-all;z-index:2}
ul.legend{list-style:none;padding:0;margin:4px 0 10px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--dim)}
ul.legend li{display:flex;align-items:center;gap:5px}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;vertical-align:0}
.band-swatch{opacity:.4}
.tick-swatch{display:inline-block;width:3px;height:12px}
.silence-swatch{background:repeating-linear-gradient(45deg,#c9ced6,#c9ced6 2px,#eef0f3 2px,#eef0f3 5px)}
.window-swatch{background:#ffd8a8}
svg.marker{width:12px;height:12px;display:inline-block;fill:#999;stroke:#222;stroke-width:.8}
.fleet-summary .wave p{margin:2px 0 6px;max-width:110ch}
svg.swimlane .lane{fill:#fafbfc;stroke:var(--line)}
svg.swimlane .lane-name{font-size:12px;text-anchor:end;fill:var(--dim);font-weight:600}
svg.swimlane .tick,svg.swimlane .mark,svg.swimlane .elided{vector-effect:non-scaling-stroke;fill:none}
svg.swimlane .elided{stroke:#888;stroke-dasharray:2 3}
svg.swimlane .silence{fill:#c9ced6;opacity:.55}
svg.swimlane .window{fill:#ffb366;opacity:.35}
svg.swimlane .mark{stroke:#111;stroke-width:1;stroke-dasharray:4 3}
svg.swimlane .mark-close{stroke:var(--err);stroke-width:1.5}
svg.swimlane .mark-label{font-size:11.5px;font-weight:600;fill:var(--fg)}
svg.swimlane .close-label{fill:var(--err)}
svg.swimlane .window-label{font-size:11px;fill:#9a4a00}
svg.swimlane .silence-label{font-size:10.5px;fill:#3d4550}
svg.swimlane .axis-line{stroke:var(--line)}
svg.swimlane .cursor{fill:#1f5fbf;opacity:.25}
svg.swimlane{cursor:grab;user-select:none}
.zoom{display:flex;gap:4px;align-items:center;margin:6px 0 2px;font-size:12px}
.zoom button{font:inherit;min-width:28px;padding:1px 6px;border:1px solid var(--line);background:var(--panel);border-radius:3px;cursor:pointer}
.zoom .hint,.zoom .readout{color:var(--dim);margin-left:8px}
${TICKS}
`;

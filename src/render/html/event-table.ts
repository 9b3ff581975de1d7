/**
 * The event table under a swimlane: the terminal report's folded timeline (fold.ts) as an HTML table with the
 * articles' columns, Time | Source | Destination | Protocol | Info | Note. Each row carries its time so the page
 * script can show it in the swimlane when clicked.
 */
import type { ReportConnection } from '../../report/types.js';
import { foldTimeline, isAlarming, side } from '../fold.js';
import { formatT, groupDigits } from '../text.js';
import { num, text } from './escape.js';

export function renderEventTable(c: ReportConnection, key: string): string {
  const rows = foldTimeline(c.timeline, { library: c.library });
  if (rows.length === 0) return '<p class="dim">(no events in the timeline)</p>';
  const body = rows
    .map((r) => {
      const folded = r.kind === 'run' || r.kind === 'handshake' || r.kind === 'elided';
      const cls = [folded ? 'folded' : '', isAlarming(r) ? 'alarm' : '', r.note !== '' ? 'noted' : ''].filter((x) => x !== '').join(' ');
      const t = r.t === null ? '' : ` data-t="${num(r.t, 6)}"`;
      // End tags of cells and rows are optional in HTML: left out, they save a third of a long table.
      return `<tr${cls !== '' ? ` class="${cls}"` : ''}${t}><td>${r.t === null ? '' : formatT(r.t)}<td>${side(r.dir, 'source')}<td>${side(r.dir, 'destination')}<td>${r.protocol}<td>${text(r.info)}<td>${text(r.note)}`;
    })
    .join('');
  const shown = c.timeline.filter((e) => e.kind !== 'elided').length;
  const more =
    c.eventCount > shown
      ? `<p class="dim">${groupDigits(shown)} of ${groupDigits(c.eventCount)} events in the report's timeline; <code>--frames</code> streams them all.</p>`
      : '';
  return (
    `<table class="events" data-for="${key}"><thead><tr><th>Time</th><th>Source</th><th>Destination</th><th>Protocol</th><th>Info</th><th>Note</th></tr></thead>` +
    `<tbody>${body}</tbody></table>${more}`
  );
}

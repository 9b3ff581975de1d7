/**
 * Ended connections folded into counts. `--follow` runs for days: a member per ended connection (about 1.4 KB)
 * would grow memory with the connections a broker has ever had, not with the open ones. Past a budget the oldest
 * ended members are folded here: they stay in the totals, the groups' counts, the churn series and the headline's
 * first sentence, and leave the rules that compare connections with each other (reconnects, waves, alarms,
 * refusals), which look at the latest members. Everything here is bounded by the vocabularies (verdicts, causes,
 * warning codes), the client hosts and applications, and the churn series' buckets.
 */
import type { Cause, Verdict } from '../diagnosis/types.js';
import { bucketSeconds, CHURN_WIDTHS } from './churn.js';
import { groupKey, HEALTHY_VERDICTS } from './groups.js';
import { verdictLabel } from './headline.js';
import { tally } from './stats.js';
import { compareInstants, secondsFrom, type FleetMember, type Instant } from './types.js';

/** A group's folded members: counted, with no lifetimes (the group's median is over its members still kept). */
export interface FoldedGroup {
  host: string;
  application: string | null;
  connections: number;
  /** Handed over unended (a new connection reused their ports): open, as the fleet counts them. */
  open: number;
  problems: number;
  byVerdict: Partial<Record<Verdict, number>>;
  lifetimeAtLeast: boolean;
}

/** Opened and ended counts per bin of `width` seconds from the run's first packet. */
export interface FoldedChurn {
  width: number;
  opened: number[];
  ended: number[];
}

/**
 * The widest bin every churn bucket width from this duration's on is a whole multiple of (the bucket width only
 * grows as the run goes on): folded counts then fall into the final buckets exactly. At most 2.5 bins per final
 * bucket (a 2 s bucket: 1 s bins, since 5 s buckets may follow).
 */
export function foldWidth(duration: number): number {
  const width = bucketSeconds(duration);
  let g = width;
  for (const later of CHURN_WIDTHS) if (later > width) g = gcd(g, later);
  // Past the list the width is a multiple of a day.
  return width > CHURN_WIDTHS[CHURN_WIDTHS.length - 1]! ? gcd(g, 86_400) : g;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Distinct (host, application) groups kept for folded members (about 260 bytes each). Where client addresses or
 * names churn without end (pods), a group per pair would grow memory with the connections ever seen: past this
 * many, the group that folded a member longest ago is dropped, its connections counted in the totals, churn and
 * headline, in no group.
 */
export const MAX_FOLDED_GROUPS = 20_000;

export class FoldedMembers {
  count = 0;
  /** Of them, handed over with no end seen (a new connection reused their ports): open, as the fleet counts them. */
  open = 0;
  /** Of them, in no group (their group dropped past MAX_FOLDED_GROUPS), nor in the fleet's count of hosts. */
  ungrouped = 0;
  /** The latest end among them (members fold about in the order they ended: as the TCP tracker lets them go). */
  until: Instant | null = null;
  readonly byVerdict: Partial<Record<Verdict, number>> = {};
  readonly byCause: Partial<Record<Cause, number>> = {};
  readonly groups = new Map<string, FoldedGroup>();
  /** What the headline's first sentence counts (fleet/headline.ts overview). */
  readonly problemLabels = new Map<string, number>();
  readonly warningCodes = new Map<string, number>();
  warned = 0;
  warnedWithErrors = false;
  warnedWithWarnings = false;
  readonly churn: FoldedChurn = { width: 1, opened: [], ended: [] };

  /** The latest time folded, seconds from the run's origin: the bins' width only grows with it. */
  private span = 0;

  /**
   * Adds a member the analyzer handed over while the input went on; `origin`: the run's first packet. Nearly all
   * have ended; one whose ports a new connection reused with no end seen (a client host rebooted) is open.
   */
  fold(m: FleetMember, origin: Instant): void {
    const ended = m.ended;
    this.count++;
    if (ended === null) this.open++;
    else if (this.until === null || compareInstants(ended, this.until) > 0) this.until = ended;
    tally(this.byVerdict, m.verdict);
    if (m.cause !== null) tally(this.byCause, m.cause);
    const problem = !HEALTHY_VERDICTS.has(m.verdict) || m.severity === 'error';
    const key = groupKey(m);
    let group = this.groups.get(key);
    if (group === undefined) {
      if (this.groups.size >= MAX_FOLDED_GROUPS) {
        // The group that folded a member longest ago goes (a pod long gone), not the client failing now.
        const [oldKey, oldest] = this.groups.entries().next().value as [string, FoldedGroup];
        this.groups.delete(oldKey);
        this.ungrouped += oldest.connections;
      }
      group = { host: m.host, application: m.application, connections: 0, open: 0, problems: 0, byVerdict: {}, lifetimeAtLeast: false };
    } else {
      this.groups.delete(key);
    }
    // Last in the map's order: the map runs from the group that folded a member longest ago to the latest.
    this.groups.set(key, group);
    group.connections++;
    if (ended === null) group.open++;
    if (problem) group.problems++;
    tally(group.byVerdict, m.verdict);
    if (!m.beginningSeen) group.lifetimeAtLeast = true;
    if (problem) this.problemLabels.set(verdictLabel(m), (this.problemLabels.get(verdictLabel(m)) ?? 0) + 1);
    if (m.warnings !== null) {
      this.warned++;
      if (m.warningsInclude === 'errors') this.warnedWithErrors = true;
      else this.warnedWithWarnings = true;
      for (const code of m.warnings) this.warningCodes.set(code, (this.warningCodes.get(code) ?? 0) + 1);
    }
    // Members fold about in the order they ended, not exactly: the width follows the latest time seen.
    this.span = Math.max(this.span, secondsFrom(origin, ended ?? m.opened));
    this.rebin(foldWidth(this.span));
    this.add(this.churn.opened, secondsFrom(origin, m.opened));
    if (ended !== null) this.add(this.churn.ended, secondsFrom(origin, ended));
  }

  private add(bins: number[], seconds: number): void {
    const i = Math.max(0, Math.floor(seconds / this.churn.width));
    while (bins.length <= i) bins.push(0);
    bins[i]!++;
  }

  /** Merges the bins into wider ones (`width` is a whole multiple of the current one: foldWidth). */
  private rebin(width: number): void {
    const c = this.churn;
    if (width === c.width) return;
    const merge = (bins: number[]) => {
      const out: number[] = [];
      bins.forEach((n, i) => {
        const j = Math.floor((i * c.width) / width);
        while (out.length <= j) out.push(0);
        out[j]! += n;
      });
      return out;
    };
    c.opened = merge(c.opened);
    c.ended = merge(c.ended);
    c.width = width;
  }
}

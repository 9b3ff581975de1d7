/**
 * Reconnects: a new connection from the same host and application after one of theirs ended abnormally (any end
 * but the client's own clean close), with the delay from that end to the new connection's first packet
 * (oslo.messaging's "Trying again in 1 seconds" shows as about 1 s). Reconnect loops: several short-lived
 * connections in a row from one host and application, each ending abnormally.
 */
import type { Clock } from './clock.js';
import { median, micros } from './stats.js';
import { compareInstants, secondsFrom, type FleetMember, type FleetReconnect, type FleetReconnectLoop, type Instant } from './types.js';

/** A connection that lived less than this (or less than 2T) counts as short-lived for a loop. */
const SHORT_LIVED_SECONDS = 10;
/** At least this many short-lived connections in a row make a loop. */
const LOOP_MIN = 3;
/** A new connection later than this after the end is not a reconnect of it (a new start of the application). */
const MAX_RECONNECT_DELAY_SECONDS = 600;
const MAX_EXAMPLES = 20;

export interface Reconnect {
  from: FleetMember;
  to: FleetMember;
  delaySeconds: number;
}

/**
 * `m` is the connection that took `gone`'s place on the same addresses and ports, and its SYN is what ended `gone`
 * (the broker's challenge ACK and the client's RST come after it: captures/fleet-port-reuse.pcap): a reconnect at
 * once, though it opened a moment before that end.
 */
function tookItsPlace(m: FleetMember, gone: FleetMember): boolean {
  return endpointsOf(m.id) === endpointsOf(gone.id) && m.capture === gone.capture && compareInstants(m.opened, gone.opened) > 0 && compareInstants(m.opened, gone.ended!) <= 0;
}

/** A connection's id without what makes it unique ("@49" for the one that reused the ports, "@capture" from --merge). */
function endpointsOf(id: string): string {
  const at = id.indexOf('@');
  return at < 0 ? id : id.slice(0, at);
}

export function endedAbnormally(m: FleetMember): boolean {
  return m.ended !== null && m.verdict !== 'closed-by-client';
}

/**
 * Every reconnect, from each group's members in order of opening; then, for connections the capture joined midway
 * (their names unknown), the host's next new connection.
 */
export function findReconnects(byGroup: Map<string, FleetMember[]>): Reconnect[] {
  const out: Reconnect[] = [];
  const used = new Set<FleetMember>();
  for (const list of byGroup.values()) {
    // Without an application (no handshake captured) one host's connections may be different programs.
    if (list[0]!.application === null) continue;
    const ends = list.filter(endedAbnormally).sort((a, b) => compareInstants(a.ended!, b.ended!));
    for (const gone of ends) {
      // The same process's next connection when names tell processes apart (oslo.messaging's APP:PID:UUID),
      // else the group's next connection.
      let next: FleetMember | undefined;
      let nextSame: FleetMember | undefined;
      for (const m of list) {
        if (m === gone || used.has(m) || (compareInstants(m.opened, gone.ended!) < 0 && !tookItsPlace(m, gone))) continue;
        if (next === undefined || compareInstants(m.opened, next.opened) < 0) next = m;
        if (gone.instance !== null && m.instance === gone.instance && (nextSame === undefined || compareInstants(m.opened, nextSame.opened) < 0)) nextSame = m;
      }
      if (nextSame !== undefined && secondsFrom(gone.ended!, nextSame.opened) <= MAX_RECONNECT_DELAY_SECONDS) next = nextSame;
      if (next === undefined) continue;
      // Its SYN came a moment before the end it caused: a reconnect at once.
      const delaySeconds = tookItsPlace(next, gone) ? 0 : secondsFrom(gone.ended!, next.opened);
      if (delaySeconds > MAX_RECONNECT_DELAY_SECONDS) continue;
      used.add(next);
      out.push({ from: gone, to: next, delaySeconds });
    }
  }
  out.push(...joinedMidwayReconnects(byGroup, used));
  out.sort((a, b) => compareInstants(a.to.opened, b.to.opened));
  return out;
}

/**
 * A capture started during an incident joins its connections midway: their Connection.Start-Ok (the name, the
 * application) went by before it, so they group under their host alone. When one of them ends abnormally, the
 * host's next new connection (its beginning captured) that no other end claimed is its reconnect: a capture cut
 * from fleet-host-freeze.pcap after the clients connected must still say that all of them came back. On a host
 * running several programs this may pair an end with another program's connection; counts stay right as long as
 * each program comes back once per end, which is what a reconnect storm does.
 */
function joinedMidwayReconnects(byGroup: Map<string, FleetMember[]>, used: ReadonlySet<FleetMember>): Reconnect[] {
  const out: Reconnect[] = [];
  const newByHost = new Map<string, FleetMember[]>();
  const gone: FleetMember[] = [];
  for (const members of byGroup.values()) {
    for (const m of members) {
      // The new connection must have named its application: one that never got that far (a health check, another
      // protocol on the port) is no AMQP client coming back.
      if (m.beginningSeen) {
        if (used.has(m) || m.application === null) continue;
        const list = newByHost.get(m.host);
        if (list === undefined) newByHost.set(m.host, [m]);
        else list.push(m);
      } else if (m.application === null && endedAbnormally(m)) gone.push(m);
    }
  }
  // Ends in order of time, each host's new connections in order of opening: each end takes the first one opened
  // after it, so one cursor per host walks its list once.
  gone.sort((a, b) => compareInstants(a.ended!, b.ended!));
  for (const list of newByHost.values()) list.sort((a, b) => compareInstants(a.opened, b.opened));
  const cursor = new Map<string, number>();
  for (const g of gone) {
    const list = newByHost.get(g.host);
    if (list === undefined) continue;
    let i = cursor.get(g.host) ?? 0;
    while (i < list.length && compareInstants(list[i]!.opened, g.ended!) < 0) i++;
    cursor.set(g.host, i);
    const next = list[i];
    if (next === undefined) continue;
    const delaySeconds = secondsFrom(g.ended!, next.opened);
    if (delaySeconds > MAX_RECONNECT_DELAY_SECONDS) continue;
    cursor.set(g.host, i + 1);
    out.push({ from: g, to: next, delaySeconds });
  }
  return out;
}

export function reconnectExamples(reconnects: readonly Reconnect[]): FleetReconnect[] {
  return reconnects.slice(0, MAX_EXAMPLES).map((r) => ({
    host: r.from.host,
    // A connection the capture joined midway has no application of its own: its reconnect's names it.
    application: r.from.application ?? r.to.application,
    from: r.from.id,
    to: r.to.id,
    delaySeconds: micros(r.delaySeconds),
  }));
}

function shortLived(m: FleetMember): boolean {
  if (!endedAbnormally(m)) return false;
  const limit = Math.max(SHORT_LIVED_SECONDS, m.heartbeat !== null ? 2 * m.heartbeat : 0);
  return secondsFrom(m.opened, m.ended!) < limit;
}

/**
 * Runs of short-lived, abnormally ended connections in a row, each followed by the next within the reconnect delay.
 * `reconnects` pair each end with its process's next connection: the delays a loop reports (two processes of one
 * application on one host retrying every second interleave, one attempt every half second from the host).
 */
export function findLoops(byGroup: Map<string, FleetMember[]>, reconnects: readonly Reconnect[], clock: Clock): FleetReconnectLoop[] {
  const delayAfter = new Map<FleetMember, Reconnect>();
  for (const r of reconnects) delayAfter.set(r.from, r);
  const loops: FleetReconnectLoop[] = [];
  for (const list of byGroup.values()) {
    if (list[0]!.application === null) continue;
    let run: FleetMember[] = [];
    const flush = () => {
      if (run.length >= LOOP_MIN) loops.push(loopOf(run, delayAfter, clock));
      run = [];
    };
    for (const m of list) {
      const prev = run[run.length - 1];
      const follows = prev !== undefined && prev.ended !== null && compareInstants(m.opened, prev.ended) >= 0 && secondsFrom(prev.ended, m.opened) <= MAX_RECONNECT_DELAY_SECONDS;
      if (!shortLived(m)) {
        // The connection that finally held still ends the loop (it is the loop's way out, not part of it).
        flush();
        continue;
      }
      if (prev !== undefined && !follows) flush();
      run.push(m);
    }
    flush();
  }
  return loops.sort((a, b) => a.t - b.t);
}

function loopOf(run: readonly FleetMember[], delayAfter: ReadonlyMap<FleetMember, Reconnect>, clock: Clock): FleetReconnectLoop {
  const verdicts = new Map<string, number>();
  for (const m of run) verdicts.set(m.verdict, (verdicts.get(m.verdict) ?? 0) + 1);
  const verdict = [...verdicts.entries()].sort((a, b) => b[1] - a[1])[0]![0] as FleetMember['verdict'];
  // The reply code the loop ends on most often (403 ACCESS_REFUSED says why retrying cannot help), if any.
  const codes = new Map<number, number>();
  for (const m of run) if (m.verdict === verdict && m.replyCode !== null) codes.set(m.replyCode, (codes.get(m.replyCode) ?? 0) + 1);
  const replyCode = [...codes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? null;
  // Each member's own reconnect (its process's next connection) when that is in the loop too, else the run's next
  // connection; the connection that finally held is the way out, and its delay no retry.
  const members = new Set(run);
  const delays: number[] = [];
  for (let i = 0; i < run.length; i++) {
    const own = delayAfter.get(run[i]!);
    if (own !== undefined && members.has(own.to)) delays.push(own.delaySeconds);
    else if (own === undefined && i + 1 < run.length) delays.push(secondsFrom(run[i]!.ended!, run[i + 1]!.opened));
  }
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const medDelay = median(delays);
  return {
    host: first.host,
    application: first.application,
    connections: run.length,
    medianLifetimeSeconds: micros(median(run.map((m) => secondsFrom(m.opened, m.ended!)))!),
    medianDelaySeconds: medDelay === null ? null : micros(medDelay),
    verdict,
    replyCode,
    t: clock.t(first.opened),
    at: clock.at(first.opened),
    endT: clock.t(last.ended as Instant),
  };
}

/**
 * The fleet rules on members made to order, for what the real captures cannot show on demand (a network-wide
 * wave, independent clients, ten thousand connections): the thresholds, scopes, reconnect pairing and bounds.
 * The real-capture cases are in real-captures.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { applicationName, instanceName } from '../../src/fleet/application.js';
import { emptyNonAmqpCounts, runClock, summarizeFleet, type FleetMember } from '../../src/fleet/index.js';
import { FoldedMembers, foldWidth, MAX_FOLDED_GROUPS } from '../../src/fleet/folded.js';
import { blockedSpan } from '../../src/fleet/member.js';
import { fleetLines } from '../../src/render/fleet.js';
import type { Report } from '../../src/report/types.js';

const ORIGIN = { sec: 1_764_900_000, nsec: 0, packet: 1 };
let packet = 1;
const at = (t: number) => ({ sec: ORIGIN.sec + Math.floor(t), nsec: Math.round((t - Math.floor(t)) * 1e9), packet: ++packet });

function member(o: Partial<FleetMember> & { open: number; end: number | null }): FleetMember {
  const { open, end, ...rest } = o;
  return {
    id: `${rest.host ?? '10.0.0.1'}:${packet}->10.0.0.99:5672`,
    capture: null,
    host: '10.0.0.1',
    application: 'nova-compute',
    instance: null,
    user: null,
    middlebox: false,
    handshakeDone: true,
    opened: at(open),
    ended: end === null ? null : at(end),
    verdict: 'missed-heartbeats',
    cause: 'client-stalled',
    severity: 'error',
    by: 'server',
    how: 'rst',
    replyCode: null,
    replyText: null,
    heartbeat: 60,
    explanation: '',
    warnings: null,
    unanswered: false,
    beginningSeen: true,
    blocked: [],
    silentSince: null,
    warningsInclude: 'warnings',
    ...rest,
  };
}

function fleet(members: FleetMember[], endT = 1000) {
  return summarizeFleet({ members, nonAmqp: emptyNonAmqpCounts(), origin: ORIGIN, end: at(endT), clock: runClock(ORIGIN, 6) });
}

describe('waves', () => {
  it('needs three members: two missed-heartbeat closes from one host are not a wave', () => {
    expect(fleet([member({ open: 0, end: 100 }), member({ open: 0, end: 101 })]).waves).toEqual([]);
    expect(fleet([member({ open: 0, end: 100 }), member({ open: 0, end: 101 }), member({ open: 0, end: 102 })]).waves).toHaveLength(1);
  });

  it('keeps heartbeat closes within T of each other together, and splits them beyond', () => {
    const together = [0, 30, 59].map((d) => member({ open: 0, end: 100 + d }));
    expect(fleet(together).waves).toEqual([expect.objectContaining({ count: 3, scope: 'host' })]);
    const apart = [0, 61, 122].map((d) => member({ open: 0, end: 100 + d }));
    expect(fleet(apart).waves).toEqual([]);
  });

  it('does not chain a steady trickle of heartbeat closes into one wave: a wave spans at most T from its first end', () => {
    // 100 clients on 100 hosts failing one by one, one every 3 s with T = 4 s, for 300 s: each close is within T
    // of the one before, yet no freeze took them together.
    const trickle = Array.from({ length: 100 }, (_, i) => member({ host: `10.0.${i}.1`, heartbeat: 4, open: 0, end: 1000 + 3 * i }));
    expect(fleet(trickle, 2000).waves).toEqual([]);
    // One every 1.5 s: three fall within T of each other each time, and each such wave spans at most T.
    const dense = Array.from({ length: 100 }, (_, i) => member({ host: `10.0.${i}.1`, heartbeat: 4, open: 0, end: 1000 + 1.5 * i }));
    const f = fleet(dense, 2000);
    expect(f.waves.length).toBeGreaterThan(20);
    expect(f.waves.every((w) => w.count === 3 && w.endT - w.t <= 4)).toBe(true);
    // The headline tells them as the rate they are, in one sentence, not as simultaneous stalls.
    expect(f.headline.filter((h) => h.includes('at once'))).toEqual([]);
    expect(f.headline[1]).toBe(
      '33 clusters of 3 missed-heartbeats (client-stalled) closes on independent clients recur between 1000.000 and 1147.000 s (99 connections from 99 hosts): a steady rate of independent failures, not one event; each connection\'s verdict says what its client did.',
    );
    // A wave far larger than the chance clusters is an event of its own (review 30): 60 clients on 60 hosts
    // stalling within 2 s are told as one, the rest as the rate.
    const stall = Array.from({ length: 60 }, (_, i) => member({ host: `10.1.${i}.1`, heartbeat: 4, open: 0, end: 4000 + i / 30 }));
    const mixed = fleet([...dense, ...stall], 5000);
    expect(mixed.headline[1]).toMatch(/^60 connections .* the same stall in independent clients at once/);
    expect(mixed.headline[2]).toMatch(/^33 clusters of 3 missed-heartbeats \(client-stalled\) closes on independent clients recur between 1000\.000 and 1147\.000 s \(99 connections from 99 hosts\)/);
    // Four such clusters are still told as waves.
    expect(fleet(dense.slice(0, 12), 2000).headline[1]).toMatch(/the same stall in independent clients at once/);
    // A broker's burst still chains end to end: closes 0.5 s apart for 3 s are one broker action.
    const burst = Array.from({ length: 7 }, (_, i) => member({ host: `10.0.${i}.1`, verdict: 'closed-by-server', cause: null, replyCode: 320, open: 0, end: 1000 + i / 2 }));
    expect(fleet(burst, 2000).waves).toEqual([expect.objectContaining({ count: 7, scope: 'broker' })]);
  });

  it('calls unreachable clients on several hosts a network wave, stalled ones independent clients', () => {
    const unreachable = ['10.0.1.1', '10.0.2.1', '10.0.3.1'].map((host, i) => member({ host, cause: 'client-unreachable', open: 0, end: 100 + i }));
    expect(fleet(unreachable).waves[0]).toMatchObject({ scope: 'network', hosts: ['10.0.1.1', '10.0.2.1', '10.0.3.1'] });
    const stalled = ['10.0.1.1', '10.0.2.1', '10.0.3.1'].map((host, i) => member({ host, open: 0, end: 100 + i }));
    expect(fleet(stalled).waves[0]).toMatchObject({ scope: 'clients' });
    const forced = ['10.0.1.1', '10.0.2.1', '10.0.3.1'].map((host, i) => member({ host, verdict: 'closed-by-server', cause: null, replyCode: 320, open: 0, end: 100 + i / 1000 }));
    expect(fleet(forced).waves[0]).toMatchObject({ scope: 'broker', replyCode: 320 });
  });

  it("calls clients' kernels giving up on an unanswering broker (keep-alives) a network wave of a broker gone, not of clients gone", () => {
    const gone = (n: number) => member({ host: '10.93.0.2', verdict: 'tcp-timeout', cause: null, by: 'client', how: 'rst', heartbeat: null, brokerUnreachable: true, open: 0, end: 10 + n });
    const f = fleet([gone(0), gone(0.5), gone(1)]);
    expect(f.waves).toHaveLength(1);
    expect(f.waves[0]).toMatchObject({ verdict: 'tcp-timeout', cause: null, scope: 'network', count: 3 });
    expect(f.waves[0]!.explanation).toMatch(/^3 connections from 10\.93\.0\.2 \(nova-compute\) lost their broker at TCP level: their keep-alive probes went unanswered and each client's kernel reset its connection between 10\.000 and 11\.000 s: the broker host or the network path to it is gone, not the clients\.$/);
    expect(f.headline[0]).toContain('3 tcp-timeout with the broker not answering');
  });

  it('names a heartbeats-off connection that cannot notice its broker gone, only if it opened before the loss', () => {
    const gone = member({ host: '10.93.0.2', broker: '10.93.0.1', verdict: 'tcp-timeout', cause: null, by: 'client', how: 'rst', heartbeat: null, brokerUnreachable: true, open: 0, end: 10 });
    const idle = (open: number) => member({ host: '10.93.0.2', broker: '10.93.0.1', application: 'cinder-volume', verdict: 'open', cause: null, severity: 'info', by: null, how: null, heartbeat: null, heartbeatsOff: true, open, end: null });
    expect(fleet([gone, idle(1)]).headline.join(' ')).toMatch(/1 other connection \(cinder-volume\) from 10\.93\.0\.2 to the same broker has heartbeats off/);
    // Opened after the loss: its path worked again. To another broker, or with heartbeats on: it would notice.
    expect(fleet([gone, idle(20)]).headline.join(' ')).not.toMatch(/heartbeats off/);
    expect(fleet([gone, { ...idle(1), broker: '10.93.0.9' }]).headline.join(' ')).not.toMatch(/heartbeats off/);
    expect(fleet([gone, { ...idle(1), heartbeatsOff: false }]).headline.join(' ')).not.toMatch(/heartbeats off/);
  });

  it("calls resets forged by a middlebox in the broker's name a network wave, not a broker-side event", () => {
    const reset = (host: string, i: number, middlebox: boolean) => member({ host, verdict: 'reset', cause: null, by: 'server', how: 'rst', middlebox, open: 0, end: 100 + i / 10 });
    const forged = ['10.0.1.1', '10.0.1.2', '10.0.1.3'].map((h, i) => reset(h, i, true));
    expect(fleet(forged).waves[0]).toMatchObject({ verdict: 'reset', scope: 'network' });
    expect(fleet(forged).waves[0]!.explanation).toContain('a middlebox (load balancer, NAT, firewall)');
    // The broker's own RSTs (its TTL) stay a broker-side event.
    expect(fleet(['10.0.1.1', '10.0.1.2', '10.0.1.3'].map((h, i) => reset(h, i, false))).waves[0]).toMatchObject({ scope: 'broker' });
  });

  it("does not make a wave of one client's retries in a row (each opened after the previous ended)", () => {
    const retries = [0, 1, 2, 3].map((t) => member({ verdict: 'handshake-failed', cause: null, replyCode: 403, open: t, end: t + 0.01 }));
    const f = fleet(retries);
    expect(f.waves).toEqual([]);
    expect(f.reconnects.loops).toEqual([expect.objectContaining({ connections: 4, verdict: 'handshake-failed' })]);
  });
});

describe('silences still running at the end', () => {
  const silent = (host: string, since: number, o: Partial<FleetMember> = {}) =>
    member({ host, verdict: 'open', cause: 'client-stalled', by: null, how: null, heartbeat: 4, silentSince: at(since), open: 0, end: null, ...o });

  it('are told together when they began within T/2 + 1 s of each other, with when RabbitMQ will close them', () => {
    const f = fleet([silent('10.0.2.1', 10), silent('10.0.2.2', 10.5), silent('10.0.2.3', 12.9)], 17);
    expect(f.headline[1]).toMatch(/^3 connections \(nova-compute\) from 3 hosts \(10\.0\.2\.1, 10\.0\.2\.2 and 10\.0\.2\.3\) went silent between 10\.000 and 12\.900 s and are still open at the end of the capture \(client-stalled\)/);
    expect(f.headline[1]).toMatch(/RabbitMQ will close them for missed heartbeats between 18\.000 and 24\.900 s if nothing changes\.$/);
    // At 20 s the first window (2T-3T after 10 s: 18-22 s) is open already: only the deadline is ahead.
    const later = fleet([silent('10.0.2.1', 10), silent('10.0.2.2', 10.5), silent('10.0.2.3', 12.9)], 20);
    expect(later.headline[1]).toMatch(/RabbitMQ will close them for missed heartbeats by 24\.900 s at the latest if nothing changes\.$/);
  });

  it('are not "together" further apart, nor with different causes: told one by one', () => {
    const apart = fleet([silent('10.0.2.1', 10), silent('10.0.2.2', 13.5), silent('10.0.2.3', 17)], 20);
    expect(apart.headline.join(' ')).not.toMatch(/went silent between/);
    expect(apart.headline.slice(1)).toEqual([
      expect.stringMatching(/: still open at the end of the capture, silent since 10\.000 s \(client-stalled\)\.$/),
      expect.stringMatching(/: still open at the end of the capture, silent since 13\.500 s \(client-stalled\)\.$/),
      expect.stringMatching(/: still open at the end of the capture, silent since 17\.000 s \(client-stalled\)\.$/),
    ]);
    const mixed = fleet([silent('10.0.2.1', 10), silent('10.0.2.2', 10.2, { cause: 'client-unreachable' }), silent('10.0.2.3', 10.4)], 20);
    expect(mixed.headline.join(' ')).not.toMatch(/went silent between/);
  });

  it('take in those the broker closed for missed heartbeats meanwhile, but need one still open: closes alone are a wave\'s', () => {
    // Closed 2T-3T after silences that began together, the closes more than T apart: no wave.
    const closed = (host: string, since: number, end: number) => member({ host, heartbeat: 4, silentSince: at(since), open: 0, end });
    const f = fleet([closed('10.0.2.1', 10, 18.5), silent('10.0.2.2', 10.3), closed('10.0.2.3', 10.6, 23.5)], 24);
    expect(f.waves).toEqual([]);
    expect(f.headline[1]).toMatch(/^3 connections \(nova-compute\) from 3 hosts \(10\.0\.2\.1, 10\.0\.2\.2 and 10\.0\.2\.3\) went silent between 10\.000 and 10\.600 s \(client-stalled\): the broker closed 2 of them for missed heartbeats between 18\.500 and 23\.500 s and 1 is still open/);
    const allClosed = fleet([closed('10.0.2.1', 10, 18.5), closed('10.0.2.2', 10.3, 22.4), closed('10.0.2.3', 10.6, 26.5)], 30);
    expect(allClosed.waves).toEqual([]);
    expect(allClosed.headline.join(' ')).not.toMatch(/went silent between/);
  });
});

describe('reconnects', () => {
  it('follow an abnormal end only, and pair each process with its own next connection', () => {
    const a = member({ instance: 'nova-compute:1', open: 0, end: 100 });
    const b = member({ instance: 'nova-compute:2', open: 0, end: 100.5 });
    // b's process comes back first; a's a little later.
    const b2 = member({ instance: 'nova-compute:2', open: 101, end: null });
    const a2 = member({ instance: 'nova-compute:1', open: 103, end: null });
    const clean = member({ instance: 'nova-compute:3', verdict: 'closed-by-client', cause: null, open: 0, end: 50 });
    const again = member({ instance: 'nova-compute:3', open: 51, end: null });
    const f = fleet([a, b, b2, a2, clean, again]);
    expect(f.reconnects.examples.map((r) => [r.from, r.to, r.delaySeconds])).toEqual([
      [b.id, b2.id, 0.5],
      [a.id, a2.id, 3],
    ]);
  });

  it("pair a connection the capture joined midway with its host's next new connection, one each, within ten minutes", () => {
    const midway = (host: string, end: number, o: Partial<FleetMember> = {}) => member({ host, application: null, beginningSeen: false, open: 0, end, ...o });
    const gone = [midway('10.0.0.1', 100), midway('10.0.0.1', 101)];
    const cleanly = midway('10.0.0.1', 102, { verdict: 'closed-by-client', cause: null });
    const elsewhere = member({ host: '10.0.0.2', open: 103, end: null });
    // A named connection that ended and came back claims its own new connection first.
    const named = member({ instance: 'nova-compute:9', open: 0, end: 104 });
    const back = [member({ instance: 'nova-compute:9', open: 104.5, end: null }), member({ open: 105, end: null }), member({ open: 106, end: null })];
    const f = fleet([...gone, cleanly, elsewhere, named, ...back]);
    expect(f.reconnects.examples.map((r) => [r.from, r.to, r.delaySeconds, r.application])).toEqual([
      [named.id, back[0]!.id, 0.5, 'nova-compute'],
      [gone[0]!.id, back[1]!.id, 5, 'nova-compute'],
      [gone[1]!.id, back[2]!.id, 5, 'nova-compute'],
    ]);
    expect(fleet([midway('10.0.0.1', 100), member({ open: 701, end: null })], 2000).reconnects.count).toBe(0);
  });

  it('are not counted across applications or after ten minutes', () => {
    const gone = member({ open: 0, end: 100 });
    expect(fleet([gone, member({ application: 'cinder-volume', open: 101, end: null })]).reconnects.count).toBe(0);
    expect(fleet([gone, member({ open: 701, end: null })], 2000).reconnects.count).toBe(0);
  });
});

describe('not accepting', () => {
  it('counts a connection still waiting at the capture end only once the capture went on a second after it opened', () => {
    const waiting = (open: number) => member({ verdict: 'open', cause: null, severity: 'info', unanswered: true, open, end: null });
    expect(fleet([waiting(999.5)], 1000).notAccepting.count).toBe(0);
    expect(fleet([waiting(999)], 1000).notAccepting.count).toBe(1);
    // One the client gave up on counts whatever the end.
    expect(fleet([member({ verdict: 'handshake-failed', cause: null, unanswered: true, open: 999.5, end: 999.9 })], 1000).notAccepting.count).toBe(1);
  });
});

describe('application names', () => {
  it("strips what changes per process or connection from real clients' names", () => {
    expect(applicationName('nova-compute:17020:634118d2-4cc3-4de9-8d19-0373decde726', null)).toBe('nova-compute');
    expect(applicationName('heat-engine:17033:35010511-22dc-45e4-b460-0123456789ab', null)).toBe('heat-engine');
    expect(applicationName('worker-3', null)).toBe('worker');
    expect(applicationName('pika-long-callback', null)).toBe('pika-long-callback');
    expect(applicationName(null, 'Pika Python Client Library 1.2.0')).toBe('Pika Python Client Library');
    expect(applicationName(null, null)).toBeNull();
    expect(instanceName('nova-compute:17020:634118d2-4cc3-4de9-8d19-0373decde726')).toBe('nova-compute:17020');
  });
});

describe('bounds', () => {
  it('keeps 10,000 connections from 2,000 hosts to a bounded summary with five sentences at most', () => {
    const members: FleetMember[] = [];
    for (let i = 0; i < 10_000; i++) {
      const host = `10.${(i >> 8) & 7}.${i & 255}.1`;
      members.push(member({ host, application: `app${i % 7 === 0 ? 'x' : ''}`, verdict: i % 3 === 0 ? 'reset' : 'closed-by-client', cause: null, by: 'client', open: i / 100, end: i / 100 + 5 }));
    }
    const f = fleet(members, 200);
    expect(f.connections).toBe(10_000);
    expect(f.groups.length).toBeLessThanOrEqual(50);
    expect(f.groups.length + f.groupsOmitted).toBeGreaterThan(50);
    expect(f.headline.length).toBeLessThanOrEqual(5);
    expect(f.churn.opened.length).toBeLessThanOrEqual(120);
    expect(f.churn.opened.reduce((a, b) => a + b, 0)).toBe(10_000);
    for (const w of f.waves) expect(w.connections.length).toBeLessThanOrEqual(50);
    expect(f.reconnects.examples.length).toBeLessThanOrEqual(20);
    expect(JSON.stringify(f).length).toBeLessThan(100_000);
  });

  it('says more than 50 connections the broker never answered once: the wave of their giving up is flagged, not listed again', () => {
    // Opened one after the other, given up in the reverse order: the first 50 by opening (notAccepting's list)
    // and the first 50 by end (the wave's list) barely overlap.
    const starved = Array.from({ length: 80 }, (_, i) =>
      member({ host: `10.0.${i % 4}.1`, verdict: 'handshake-failed', cause: null, by: 'client', how: 'fin', severity: 'error', unanswered: true, open: i * 0.1, end: 30 - i * 0.01 }),
    );
    const healthy = [0, 1, 2].map((i) => member({ host: '10.0.9.1', verdict: 'closed-by-client', cause: null, severity: 'info', by: 'client', open: i, end: 40 }));
    const f = fleet([...healthy, ...starved]);
    expect(f.notAccepting.count).toBe(80);
    expect(f.waves).toEqual([expect.objectContaining({ count: 80, verdict: 'handshake-failed', notAccepted: true })]);
    expect(f.waves[0]!.connections.filter((id) => f.notAccepting.connections.includes(id)).length).toBeLessThan(50);
    const lines = fleetLines({ fleet: f } as Report, 120, false).join('\n');
    expect(lines).toMatch(/not accepting: The broker stopped accepting connections: 80 connections/);
    expect(lines).not.toMatch(/wave at/);
    expect(f.headline.filter((s) => /80 connections/.test(s))).toHaveLength(1);
  });
});

describe('resource alarms', () => {
  const healthy = { verdict: 'closed-by-client' as const, cause: null, severity: 'info' as const, by: 'client' as const };
  /** [from, until (null: no Unblocked), reason, blocked before the capture]. */
  type Episode = [number, number | null, (string | null)?, boolean?];
  /** A member with blocked episodes; one without Unblocked stops at the member's end, or (open) at `last`, its last packet. */
  function blocked(o: Partial<FleetMember> & { open: number; end: number | null; last?: number }, ...episodes: Episode[]): FleetMember {
    const { last, ...rest } = o;
    const stopT = o.end ?? last ?? o.open;
    const spans = episodes.map(([from, until, reason = 'low on memory', beforeCapture = false]) => ({
      from: at(from),
      until: until === null ? null : at(until),
      reason,
      beforeCapture,
      stop: at(until ?? stopT),
    }));
    return member({ ...rest, blocked: spans });
  }

  it('one alarm of overlapping episodes, however late each publisher was blocked; consumers are not in it', () => {
    const early = blocked({ ...healthy, host: '10.0.1.1', application: 'nova-api', open: 0, end: 100 }, [10, 40]);
    const late = blocked({ ...healthy, host: '10.0.2.1', application: 'nova-conductor', open: 0, end: 100 }, [35, 40.001]);
    const consumer = member({ ...healthy, host: '10.0.3.1', application: 'nova-scheduler', open: 0, end: 100 });
    const f = fleet([early, late, consumer]);
    expect(f.alarms).toEqual([
      expect.objectContaining({ t: 10, clearedT: 40.001, endT: 40.001, count: 2, endedBlocked: 0, stillBlocked: 0, reasons: ['low on memory'], hosts: ['10.0.1.1', '10.0.2.1'], connections: [early.id, late.id] }),
    ]);
    expect(f.alarmsOmitted).toBe(0);
    expect(f.headline[1]).toBe(
      'A broker resource alarm (low on memory) blocked 2 publishing connections from 2 hosts starting at 10.000 s, until the alarm cleared at 40.001 s (30.0 s): the broker throttled them, not a fault of these connections.',
    );
    expect(f.alarms[0]!.explanation).toMatch(/^The broker sent Connection.Blocked \(low on memory\) to 2 connections \(nova-api and nova-conductor\) from 2 hosts \(10.0.1.1 and 10.0.2.1\).*Fix: free memory on the broker/);
  });

  it('two alarms apart are two: a disk alarm later, and an episode without Unblocked ends with its connection', () => {
    const a = blocked({ ...healthy, open: 0, end: 100 }, [10, 20], [60, 70, 'low on disk']);
    const b = blocked({ ...healthy, open: 0, end: 100 }, [12, 20]);
    const f = fleet([a, b]);
    expect(f.alarms.map((x) => [x.t, x.clearedT, x.count, x.reasons])).toEqual([
      [10, 20, 2, ['low on memory']],
      [60, 70, 1, ['low on disk']],
    ]);
    expect(f.alarms[1]!.explanation).toMatch(/Fix: free disk space on the broker node/);
    expect(f.headline[1]).toMatch(/: the broker throttled them, not a fault of these connections\. The run had one other alarm\.$/);
    // Blocked at 10, given up at 16 without an Unblocked: over by 16, so a block from 40 is another alarm.
    const gaveUp = blocked({ verdict: 'client-aborted', cause: null, by: 'client', open: 0, end: 16 }, [10, null]);
    const later = blocked({ ...healthy, open: 0, end: 100 }, [40, 50]);
    expect(fleet([gaveUp, later]).alarms.map((x) => [x.t, x.clearedT, x.endT, x.endedBlocked])).toEqual([
      [10, null, 16, 1],
      [40, 50, 50, 0],
    ]);
  });

  it('in a run of several captures, a connection still blocked when its capture ended does not reach into the next one', () => {
    // Capture A ends at 20 with a publisher still blocked (its last packet at 20); capture B, days later, has its own alarm.
    const stuck = blocked({ ...healthy, verdict: 'open', by: null, open: 0, end: null, last: 20, capture: 'a.pcap' }, [5, null]);
    const other = ['10.0.1.1', '10.0.2.1'].map((host) => blocked({ ...healthy, host, open: 100_000, end: 100_100, capture: 'b.pcap' }, [100_010, 100_020]));
    const f = fleet([stuck, ...other], 200_000);
    expect(f.alarms.map((x) => [x.t, x.clearedT, x.endT, x.count, x.stillBlocked])).toEqual([
      [5, null, 20, 1, 1],
      [100_010, 100_020, 100_020, 2, 0],
    ]);
    // The headline tells the larger alarm and counts the other.
    expect(f.headline[1]).toMatch(/^A broker resource alarm \(low on memory\) blocked 2 publishing connections from 2 hosts starting at 100010.000 s.* The run had one other alarm\.$/);
    expect(f.alarms[0]!.explanation).toMatch(/at 5.000 s; no Connection.Unblocked is in the capture \(the last blocked connection was seen at 20.000 s\): .* It was still blocked at the end\./);
  });

  it('connections that ended while blocked: their client giving up is the alarm\'s; anything else stays a problem of its own', () => {
    const timedOut = blocked({ verdict: 'client-aborted', cause: null, by: 'client', open: 0, end: 16 }, [10, null]);
    const next = blocked({ ...healthy, open: 0, end: 100 }, [15, 30]);
    const open = blocked({ verdict: 'open', cause: null, severity: 'info', by: null, open: 0, end: null, last: 50 }, [25, null]);
    const g = fleet([timedOut, next, open], 50);
    expect(g.alarms).toEqual([expect.objectContaining({ t: 10, clearedT: 30, endT: 50, count: 3, endedBlocked: 1, stillBlocked: 1 })]);
    // One was still blocked past the last Unblocked: no "cleared" claim.
    expect(g.headline[1]).toMatch(/starting at 10.000 s, until the last Connection.Unblocked at 30.000 s \(20.0 s\): the broker throttled them, not a fault of these connections; 1 of them ended while blocked; 1 of them was still blocked at the end\.$/);
    expect(g.alarms[0]!.explanation).toMatch(/1 of them ended while blocked; 1 of them was still blocked at the end\. The one that ended was closed by its client \(a blocked-connection timeout, or a client that gave up\)\./);
    expect(g.headline.filter((x) => x.startsWith('Also') || x.startsWith(timedOut.id))).toEqual([]);
    // Closed by the broker (541) while blocked: the alarm counts it, but it is still told as a problem of its own.
    const forced = blocked({ verdict: 'closed-by-server', cause: null, by: 'server', replyCode: 541, open: 0, end: 16 }, [10, null]);
    const h = fleet([forced, next]);
    expect(h.alarms[0]).toMatchObject({ endedBlocked: 1 });
    expect(h.alarms[0]!.explanation).toMatch(/1 ended otherwise while blocked \(their own verdicts say how\)\./);
    expect(h.alarms[0]!.explanation).not.toMatch(/closed by (its|their) client/);
    expect(h.headline.join(' ')).toMatch(/Also 1 other problem connection \(1 closed-by-server\)/);
  });

  it('say so when the capture joined connections already blocked: no reason in the capture, the duration a lower bound', () => {
    const joined = blocked({ ...healthy, open: 0, end: 100, beginningSeen: false }, [0, 30, null, true]);
    const f = fleet([joined]);
    expect(f.alarms[0]).toMatchObject({ t: 0, clearedT: 30, reasons: [], beforeCapture: true, count: 1 });
    expect(f.headline[1]).toBe(
      'A broker resource alarm blocked 1 publishing connection from 10.0.0.1 since before the capture started, until the alarm cleared at 30.000 s (at least 30.0 s): the broker throttled it, not a fault of that connection.',
    );
    expect(f.alarms[0]!.explanation).toMatch(/^The broker sent Connection.Blocked to 1 connection \(nova-compute\) from 10.0.0.1 since before the capture started,/);
    expect(f.alarms[0]!.explanation).toMatch(/Fix: find the alarm in force \(rabbitmqctl status, the broker log\)/);
    // With one seen being blocked, the reason is known.
    const seen = blocked({ ...healthy, open: 0, end: 100 }, [5, 30.001]);
    expect(fleet([joined, seen]).alarms[0]).toMatchObject({ reasons: ['low on memory'], beforeCapture: true, count: 2 });
  });

  it('come after the waves in the headline, in one sentence however many (a flapping alarm keeps 20 and counts the rest)', () => {
    const flaps = Array.from({ length: 30 }, (_, i) => blocked({ ...healthy, open: 0, end: 1000 }, [10 + i * 10, 15 + i * 10]));
    const forced = ['10.0.1.1', '10.0.2.1', '10.0.3.1'].map((host, i) => member({ host, verdict: 'closed-by-server', cause: null, replyCode: 320, open: 0, end: 500 + i / 1000 }));
    const f = fleet([...flaps, ...forced]);
    expect(f.alarms).toHaveLength(20);
    expect(f.alarmsOmitted).toBe(10);
    expect(f.headline[1]).toMatch(/320/);
    expect(f.headline[2]).toMatch(/^A broker resource alarm \(low on memory\) blocked 1 publishing connection .* The run had 29 other alarms\.$/);
    expect(f.headline.filter((x) => /resource alarm/.test(x))).toHaveLength(1);
    const lines = fleetLines({ fleet: f } as Report, 120, false).join('\n');
    expect(lines.match(/• alarm at /g)).toHaveLength(5);
    expect(lines).toContain('… 25 more resource alarms (15 listed in the JSON report, 10 only counted there)');
  });

  it('keep the largest when there are too many, and tell it; "cleared" only if no blocked connection outlived the last Unblocked', () => {
    const small = Array.from({ length: 24 }, (_, i) => blocked({ ...healthy, open: 0, end: 1000 }, [10 + i * 10, 15 + i * 10]));
    const big = ['10.0.1.1', '10.0.2.1', '10.0.3.1', '10.0.4.1', '10.0.5.1', '10.0.6.1'].map((host) => blocked({ ...healthy, host, open: 0, end: 1000 }, [500, 505]));
    const f = fleet([...small, ...big]);
    expect(f.alarms).toHaveLength(20);
    expect(f.alarmsOmitted).toBe(5);
    expect(f.alarms.map((a) => a.t)).toEqual([...f.alarms.map((a) => a.t)].sort((x, y) => x - y));
    expect(f.alarms.find((a) => a.t === 500)).toMatchObject({ count: 6 });
    expect(f.headline[1]).toMatch(/^A broker resource alarm \(low on memory\) blocked 6 publishing connections from 6 hosts starting at 500.000 s.* The run had 24 other alarms\.$/);
    // Unblocked at 30, but another connection blocked since 12 ended at 40 without one: the alarm is not said to clear at 30.
    const unblocked = blocked({ ...healthy, open: 0, end: 100 }, [10, 30]);
    const gone = blocked({ verdict: 'client-aborted', cause: null, by: 'client', open: 0, end: 40 }, [12, null]);
    const g = fleet([unblocked, gone]);
    expect(g.alarms[0]).toMatchObject({ clearedT: 30, endT: 40 });
    expect(g.headline[1]).toMatch(/starting at 10.000 s, until the last Connection.Unblocked at 30.000 s \(20.0 s\)/);
    const lines = fleetLines({ fleet: g } as Report, 200, false).join('\n');
    expect(lines).toContain('• alarm at 10.000-40.000 s: ');
  });

  it('are bounded: 10,000 blocked publishers on 500 hosts are one alarm with 50 listed of each', () => {
    const members = Array.from({ length: 10_000 }, (_, i) =>
      blocked({ ...healthy, host: `10.1.${Math.floor((i % 500) / 250)}.${(i % 500) % 250}`, application: `app-${i % 60}`, open: 0, end: 100 }, [10 + i / 10_000, 50]),
    );
    const f = fleet(members);
    expect(f.alarms).toHaveLength(1);
    expect(f.alarms[0]).toMatchObject({ count: 10_000 });
    expect(f.alarms[0]!.hosts).toHaveLength(50);
    expect(f.alarms[0]!.applications).toHaveLength(50);
    expect(f.alarms[0]!.connections).toHaveLength(50);
    expect(f.headline[1]).toMatch(/blocked 10,000 publishing connections from 500 hosts/);
    expect(f.alarms[0]!.explanation).toMatch(/to 10,000 connections \(app-0, app-1, app-2 and 57 more\) from 500 hosts/);
  });
});

describe('a blocked span stops', () => {
  const i = (t: number, packet: number) => ({ sec: ORIGIN.sec + t, nsec: 0, packet });
  it('at its Unblocked; without one at its connection\'s end; never before it began', () => {
    expect(blockedSpan(i(10, 1), i(20, 2), 'low on memory', false, i(30, 3)).stop).toEqual(i(20, 2));
    expect(blockedSpan(i(10, 1), null, 'low on memory', false, i(30, 3)).stop).toEqual(i(30, 3));
    // A client that published and closed at once: its FIN (the end) before the Blocked that answers the publish.
    expect(blockedSpan(i(10, 5), null, 'low on memory', false, i(9, 4)).stop).toEqual(i(10, 5));
  });
});

describe('handshake refusals', () => {
  const LIMIT = "NOT_ALLOWED - access to vhost '/' refused for user 'guest': connection limit (4) is reached";
  const refused = (o: Partial<FleetMember> & { open: number }) =>
    member({ verdict: 'handshake-failed', cause: null, by: 'server', how: 'amqp-close', replyCode: 530, replyText: LIMIT, handshakeDone: false, end: o.open + 0.01, ...o });
  const healthy = (o: Partial<FleetMember> & { open: number }) => member({ verdict: 'closed-by-client', cause: null, severity: 'info', by: 'client', how: 'amqp-close', end: 900, ...o });

  it("a client got in only when its own process did, after its last refusal: another process's connection says nothing", () => {
    const a = [1, 2, 3, 4, 5].map((t) => refused({ open: t, instance: 'nova:1', application: 'nova' }));
    const f = fleet([...a, healthy({ open: 2.5, instance: 'nova:2', application: 'nova' })]);
    expect(f.handshakeRefusals[0]).toMatchObject({ count: 5, clients: 1, admitted: 0, admittedT: null });
    // Its own next connection after the last refusal, through the handshake: admitted.
    const g = fleet([...a, healthy({ open: 6, instance: 'nova:1', application: 'nova' })]);
    expect(g.handshakeRefusals[0]).toMatchObject({ admitted: 1, admittedT: 6 });
    // Still in its handshake when the capture ended: not in yet.
    const h = fleet([...a, member({ verdict: 'open', cause: null, severity: 'info', by: null, how: null, open: 6, end: null, instance: 'nova:1', application: 'nova', handshakeDone: false })]);
    expect(h.handshakeRefusals[0]).toMatchObject({ admitted: 0 });
  });

  it('a vhost limit refusing two users is one refusal, not two under three each', () => {
    const f = fleet([
      refused({ open: 1, user: 'a', replyText: LIMIT.replace('guest', 'a') }),
      refused({ open: 2, user: 'a', replyText: LIMIT.replace('guest', 'a') }),
      refused({ open: 3, user: 'b', replyText: LIMIT.replace('guest', 'b'), host: '10.0.0.2' }),
      refused({ open: 4, user: 'b', replyText: LIMIT.replace('guest', 'b'), host: '10.0.0.2' }),
    ]);
    expect(f.handshakeRefusals).toEqual([expect.objectContaining({ count: 4, reason: 'vhost-connection-limit', users: ['a', 'b'] })]);
  });

  it('past the 50 listed, no refused connection or host is told again as another problem or loop', () => {
    const many = Array.from({ length: 60 }, (_, i) => refused({ open: 1 + i * 0.01, host: `10.1.0.${i}`, application: `app${i}` }));
    const stalled = member({ open: 0, end: 500, host: '10.9.9.9', application: 'other' });
    const f = fleet([...many, stalled]);
    expect(f.handshakeRefusals[0]!.connections).toHaveLength(50);
    // The one other problem is the stalled client: the refused connections past the 50 listed are not it.
    expect(f.headline.join(' ')).toContain('Also 1 other problem connection (1 missed-heartbeats (client-stalled)) from 10.9.9.9.');
  });

  it('counts the logins of the user by other clients only, past the login', () => {
    const login = (o: Partial<FleetMember> & { open: number }) =>
      refused({ replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN.', user: 'svc', instance: 'neutron:1', application: 'neutron', ...o });
    const f = fleet([
      login({ open: 1 }),
      login({ open: 2 }),
      login({ open: 3 }),
      // The same process fixed, later, twice: not "elsewhere".
      healthy({ open: 4, user: 'svc', instance: 'neutron:1', application: 'neutron' }),
      healthy({ open: 5, user: 'svc', instance: 'neutron:1', application: 'neutron' }),
      // Another service, logged in; and one refused at Connection.Open (530): its login went through.
      healthy({ open: 0, user: 'svc', instance: 'heat:1', application: 'heat', host: '10.0.0.7' }),
      refused({ open: 5, user: 'svc', instance: 'cinder:1', application: 'cinder', host: '10.0.0.8' }),
    ]);
    expect(f.handshakeRefusals.find((r) => r.reason === 'login')).toMatchObject({ count: 3, users: ['svc'], usersLoggedIn: 2, usersLoggedInHosts: 2, admitted: 1 });
  });
});

describe('handshake refusals: who a client is', () => {
  it('names unique to each connection (a counter, no UUID) say nothing of processes: the host and application are the client', () => {
    const LIMIT = "NOT_ALLOWED - access to vhost '/' refused for user 'guest': connection limit (4) is reached";
    const attempt = (n: number) =>
      member({ verdict: 'handshake-failed', cause: null, by: 'server', how: 'amqp-close', replyCode: 530, replyText: LIMIT, handshakeDone: false, open: n, end: n + 0.01, application: 'worker', instance: `worker-${n}` });
    const f = fleet([attempt(1), attempt(2), attempt(3), member({ verdict: 'closed-by-client', cause: null, severity: 'info', by: 'client', how: 'amqp-close', open: 4, end: 900, application: 'worker', instance: 'worker-4' })]);
    expect(f.handshakeRefusals[0]).toMatchObject({ count: 3, clients: 1, admitted: 1, admittedT: 4 });
  });
});

describe('folded members (a --follow of days)', () => {
  // Connections ending over three days, in order of ending, from two hosts; some problems, some healthy with a
  // warning. Folding the oldest as they go (as the analyzer does under retain) must keep every count the fleet had.
  const endT = 3 * 86_400 + 5_000;
  const ended: FleetMember[] = [];
  for (let i = 0; i < 400; i++) {
    const end = Math.floor((i * i * endT) / 400 / 400) + 0.5;
    const problem = i % 7 === 0;
    ended.push(
      member({
        open: Math.max(0, end - 1 - (i % 13) * 37),
        end,
        host: i % 3 === 0 ? '10.0.0.2' : '10.0.0.1',
        application: i % 5 === 0 ? 'cinder-volume' : 'nova-compute',
        ...(problem ? {} : { verdict: 'closed-by-client', cause: null, severity: 'info', warnings: i % 11 === 0 ? ['zero-window'] : null }),
      }),
    );
  }
  const open = [member({ open: 10, end: null, verdict: 'open', cause: null, severity: 'info' })];
  const end = at(endT);
  const whole = summarizeFleet({ members: [...ended, ...open], nonAmqp: emptyNonAmqpCounts(), origin: ORIGIN, end, clock: runClock(ORIGIN, 6) });

  it('keeps the totals, groups, churn and the headline overview of the members folded away', () => {
    for (const keep of [0, 1, 57, 399]) {
      const folded = new FoldedMembers();
      // Folded while the run goes on: the churn bins widen from 1 s to a day as the run's duration grows.
      for (const m of ended.slice(0, ended.length - keep)) folded.fold(m, ORIGIN);
      const kept = [...ended.slice(ended.length - keep), ...open];
      const part = summarizeFleet({ members: kept, folded, nonAmqp: emptyNonAmqpCounts(), origin: ORIGIN, end, clock: runClock(ORIGIN, 6) });
      expect(folded.count).toBe(ended.length - keep);
      expect(part.churn).toEqual(whole.churn);
      expect([part.connections, part.open, part.hosts, part.byVerdict, part.byCause]).toEqual([whole.connections, whole.open, whole.hosts, whole.byVerdict, whole.byCause]);
      const counts = (groups: typeof whole.groups) => groups.map(({ medianLifetimeSeconds: _, ...g }) => g);
      expect(counts(part.groups)).toEqual(counts(whole.groups));
      expect(part.headline[0]).toBe(whole.headline[0]);
    }
  });

  it('keeps at most MAX_FOLDED_GROUPS groups, dropping the one idle longest: clients whose addresses never repeat (pods)', () => {
    const folded = new FoldedMembers();
    const host = (i: number) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
    // Host 0 folds a second connection late: it stays; hosts 1-5, idle since, are dropped for the 5 newest.
    const n = MAX_FOLDED_GROUPS + 5;
    for (let i = 0; i < n; i++) {
      folded.fold(member({ host: host(i), open: i / 100, end: i / 100 + 1 }), ORIGIN);
      if (i === 100) folded.fold(member({ host: host(0), open: 1.5, end: 2 }), ORIGIN);
    }
    expect([folded.count, folded.groups.size, folded.ungrouped]).toEqual([n + 1, MAX_FOLDED_GROUPS, 5]);
    const kept = new Set([...folded.groups.values()].map((g) => g.host));
    expect([0, 1, 5, 6, n - 1].map((i) => kept.has(host(i)))).toEqual([true, false, false, true, true]);
    expect(folded.groups.get(`${host(0)}\u0000nova-compute`)!.connections).toBe(2);
    const f = summarizeFleet({ members: [], folded, nonAmqp: emptyNonAmqpCounts(), origin: ORIGIN, end: at(1000), clock: runClock(ORIGIN, 6) });
    expect([f.connections, f.hosts, f.churn.opened.reduce((a, b) => a + b, 0)]).toEqual([n + 1, MAX_FOLDED_GROUPS, n + 1]);
    expect(f.groups.length + f.groupsOmitted).toBe(MAX_FOLDED_GROUPS);
  });

  it('the churn bins stay few however long the run (a day-wide bin past 120 days)', () => {
    const folded = new FoldedMembers();
    for (let day = 0; day < 200; day++) folded.fold(member({ open: day * 86_400, end: day * 86_400 + 10 }), ORIGIN);
    expect(folded.churn.width).toBe(86_400);
    expect(folded.churn.opened.length).toBe(200);
    // A bin divides the bucket width now and every width that may follow: 2 s buckets may become 5 s ones.
    expect([100, 200, 300, 70_000, 200 * 86_400].map(foldWidth)).toEqual([1, 1, 5, 300, 86_400]);
  });
});

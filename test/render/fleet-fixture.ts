/**
 * A hand-made fleet section (../shared/docs/report-contract.md, "Fleet") for the HTML and Markdown tests, until
 * the fleet layer produces real ones: a broker-side wave of forced closes, a broker that stopped accepting, and
 * refused attempts.
 */
import type { ReportFleet } from '../../src/report/types.js';
import { at } from './report-fixture.js';

export function fleetFixture(ids: readonly string[]): ReportFleet {
  return {
    headline: ['12 connections from 127.0.0.1 were closed by the broker within 8 ms with 320 CONNECTION_FORCED (shutdown): a broker-side event, not client faults.', 'None reconnected within the capture.'],
    connections: ids.length,
    open: 0,
    hosts: 1,
    byVerdict: { 'closed-by-server': ids.length },
    byCause: {},
    groupsOmitted: 0,
    groups: [{ host: '127.0.0.1', application: 'worker <b>x</b>', connections: ids.length, open: 0, byVerdict: { 'closed-by-server': ids.length }, medianLifetimeSeconds: 6.5 }],
    churn: { bucketSeconds: 1, start: at(0), opened: [ids.length], ended: [0, ids.length] },
    reconnects: { count: 0, medianDelaySeconds: null, examples: [], loops: [] },
    waves: [
      {
        t: 3.9,
        at: at(3.9),
        endT: 3.908,
        count: ids.length,
        verdict: 'closed-by-server',
        cause: null,
        replyCode: 320,
        scope: 'broker',
        hosts: ['127.0.0.1'],
        connections: [...ids],
        reconnected: 0,
        notAccepted: false,
        explanation: 'The broker closed 12 connections within 8 ms with 320 CONNECTION_FORCED: it was shut down <script>alert(3)</script>.',
      },
    ],
    alarms: [
      {
        t: 8,
        at: at(8),
        clearedT: 9.5,
        endT: 9.5,
        // A wire string: the Blocked frame's reason, any bytes the broker (or a forger) put there.
        reasons: ['low on <i>memory</i> | `x` *y*'],
        beforeCapture: false,
        count: 2,
        endedBlocked: 0,
        stillBlocked: 0,
        hosts: ['127.0.0.1'],
        applications: ['worker <b>x</b>'],
        connections: ids.slice(0, 2),
        explanation: 'The broker blocked 2 publishing connections with Connection.Blocked (low on memory) <img src=x onerror=alert(4)> [x](javascript:alert(5)).',
      },
    ],
    alarmsOmitted: 0,
    handshakeRefusals: [
      {
        t: 10,
        at: at(10),
        endT: 11,
        count: 3,
        replyCode: 530,
        // A wire string: the broker's reply text, with a vhost name any client may choose.
        replyText: "NOT_ALLOWED - access to vhost '<b>v</b>' refused for user 'u': connection limit (2) is reached",
        reason: 'vhost-connection-limit',
        limit: 2,
        clients: 1,
        admitted: 0,
        admittedT: null,
        retryDelaySeconds: 0.5,
        users: ['u'],
        usersLoggedIn: 0,
        usersLoggedInHosts: 0,
        hosts: ['127.0.0.1 <svg>'],
        applications: ['worker'],
        connections: ids.slice(0, 3),
        explanation: "The broker closed 3 connections during the handshake with 530 NOT_ALLOWED: \"access to vhost '<b>v</b>' [x](javascript:alert(6))\".",
      },
    ],
    handshakeRefusalsOmitted: 0,
    notAccepting: { count: 2, t: 5, at: at(5), endT: 6, connections: [], explanation: 'Two handshakes completed but the broker never sent Connection.Start: out of file descriptors?' },
    refused: { count: 3, reset: 3, unanswered: 0, t: 7, at: at(7), endT: 7.5, explanation: 'Three connection attempts were answered with RST: the listener was down.' },
    noAmqp: { count: 4 },
  };
}

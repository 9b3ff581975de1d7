/**
 * Which reported connection each of Wireshark's TCP streams is, for the differential check against Wireshark
 * (scripts/oracle-check.js, test/oracle.test.ts).
 */

/**
 * Each stream (a test/fixtures/oracle connection, in tshark's stream order) with the reported connection it is, or
 * null for a stream without AMQP, which the fleet section counts: by addresses and ports, and in order where two
 * connections share them (a new connection on the ports of an earlier one, fleet-port-reuse), the streams being in
 * order of their first packet as the connections are.
 */
export function pairStreams(streams, connections) {
  const byId = new Map();
  for (const c of [...connections].sort((a, b) => a.opened.packet - b.opened.packet)) {
    const id = streamId(c);
    byId.set(id, [...(byId.get(id) ?? []), c]);
  }
  const withFrames = new Map();
  for (const o of streams) if (o.frames_c2s + o.frames_s2c > 0) withFrames.set(`${o.client}->${o.server}`, (withFrames.get(`${o.client}->${o.server}`) ?? 0) + 1);
  return streams.map((o) => {
    const id = `${o.client}->${o.server}`;
    const left = byId.get(id) ?? [];
    const framed = o.frames_c2s + o.frames_s2c > 0;
    if (framed) withFrames.set(id, withFrames.get(id) - 1);
    // A stream without frames is one of the fleet's counted attempts, unless a reported connection is left for it.
    if (left.length === 0 || (!framed && (withFrames.get(id) ?? 0) >= left.length)) return { o, c: null };
    return { o, c: left.shift() };
  });
}

/**
 * A reported connection's addresses and ports as tshark's fixtures write them ("client->server", IPv6 without brackets):
 * its id without the "@N" of a connection that reused an earlier one's ports.
 */
export function streamId(c) {
  return c.id.replace(/[[\]]/g, '').replace(/@.*$/, '');
}

/**
 * Streams without AMQP that the fleet section neither counts nor lists: a lone SYN in the capture's last
 * `waitSeconds` (src/fleet/member.ts SYN_ANSWER_WAIT_SECONDS), whose answer may be cut off by the capture's end
 * (fleet-broker-unreachable: kombu's new attempt is the capture's last packet). `report`: amqpscope's JSON report.
 */
export function cutOffAttempts(streams, report, waitSeconds = 0.01) {
  const end = Date.parse(report.capture.start) / 1000 + report.capture.durationSeconds;
  return streams.filter(
    (o) => o.frames_c2s + o.frames_s2c === 0 && o.tcp_flags.length > 0 && o.tcp_flags.every((f) => f.flags.length === 1 && f.flags[0] === 'SYN') && end - o.tcp_flags[0].t < waitSeconds,
  );
}

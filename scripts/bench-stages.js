#!/usr/bin/env node
/**
 * One stage of the pipeline, alone, in a fresh process: `node scripts/bench-stages.js STAGE FILE` prints one line
 * of JSON, {"stage", "ms"}: the time from the first module import to the end of that stage over the whole capture,
 * on the capture clock of a one-shot run (JIT warm-up included, as a user's run pays it). `npm run bench --
 * --stages` runs every stage a few times and prints what each layer adds.
 *
 *   read     the capture reader, packets delivered and dropped
 *   net      + link, IP and TCP headers
 *   tcp      + connections, Wireshark's TCP analysis, reassembly (bytes delivered, dropped)
 *   framing  + AMQP framing (frames delivered, dropped)
 *   session  + the AMQP session (message assembly, delivery tags)
 *   analyze  the whole Analyzer: + per-connection facts and timelines, diagnosis and the JSON report
 *   warm     `analyze` twice in one process; `ms` is the second run's time (JIT warmed up)
 *
 * Uses the built tree (dist/), like the CLI, with the CLI's V8 heap settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

v8.setFlagsFromString('--semi-space-growth-factor=1');
v8.setFlagsFromString('--heap-growing-percent=50');

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const STAGES = ['read', 'net', 'tcp', 'framing', 'session', 'analyze', 'warm'];

const [stage, file] = process.argv.slice(2);
if (!STAGES.includes(stage) || file === undefined) {
  process.stderr.write(`usage: bench-stages.js ${STAGES.join('|')} FILE\n`);
  process.exit(2);
}

const load = (m) => import(pathToFileURL(path.join(DIST, m)).href);

/** Feeds the file in 1 MiB reads, as the CLI does. */
function feed(push) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length)) > 0; ) push(buf.subarray(0, n));
  fs.closeSync(fd);
}

const t0 = performance.now();
if (stage === 'analyze' || stage === 'warm') {
  const { Analyzer } = await load('analyze.js');
  const once = () => {
    const a = new Analyzer({ path: file });
    feed((c) => a.push(c));
    let chars = 0;
    a.writeJson((t) => (chars += t.length));
    return chars;
  };
  once();
  if (stage === 'warm') {
    const t1 = performance.now();
    once();
    process.stdout.write(`${JSON.stringify({ stage, ms: performance.now() - t1 })}\n`);
    process.exit(0);
  }
} else {
  const { CaptureReader } = await load('capture/reader.js');
  const { createTcpSegment, decodePacketAt } = await load('net/decode.js');
  const { TcpTracker } = await load('tcp/tracker.js');
  const { FrameDecoder } = await load('amqp/frame-decoder.js');
  const { AmqpSession } = await load('amqp/session.js');
  const segment = createTcpSegment();
  const tracker = new TcpTracker({
    ports: new Set([5672]),
    newHandler: () => {
      const session = stage === 'session' ? new AmqpSession({}) : null;
      const sink = (dir) =>
        session === null
          ? { onProtocolHeader() {}, onFrame() {}, onView() {}, onBodyData() {}, onIssue() {} }
          : {
              onProtocolHeader() {},
              onFrame: (f) => session.onFrame(dir, f),
              onView: (v) => session.onView(dir, v),
              onBodyData: (c, b, s, e) => session.onBodyData(dir, c, b, s, e),
              onIssue() {},
            };
      const decoders = stage === 'tcp' ? null : { c2s: new FrameDecoder(sink('c2s')), s2c: new FrameDecoder(sink('s2c')) };
      return {
        onSegment() {},
        onData: (dir, b, p, s, n) => decoders?.[dir].push(b, p, s, n),
        onGap: (dir, len, reason, p, s, n) => decoders?.[dir].gap(len, p, s, n),
        onEnd() {},
      };
    },
  });
  const reader = new CaptureReader(
    {
      onPacket(p) {
        if (stage === 'read') return;
        const kind = decodePacketAt(p.linkType, p.bytes, p.offset, p.caplen, p.origLen, segment);
        if (stage !== 'net' && kind === 'tcp') tracker.onSegment(segment, p.index, p.tsSec, p.tsNsec);
      },
      onWarning() {},
    },
    file,
  );
  feed((c) => reader.push(c));
  reader.end();
  tracker.end();
}
process.stdout.write(`${JSON.stringify({ stage, ms: performance.now() - t0 })}\n`);

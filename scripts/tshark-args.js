#!/usr/bin/env node
// Writes Wireshark's view of every AMQP frame of a capture (type, channel, class/method, method arguments, content
// header body size and properties) as JSON, for test/amqp/wireshark-args.test.ts:
//   node scripts/tshark-args.js captures/pika-kitchen-sink.pcap > test/fixtures/wireshark/pika-kitchen-sink.args.json
// Field tables are left out: tshark renders them as free text.
import { spawnSync } from 'node:child_process';

const capture = process.argv[2];
if (capture === undefined) {
  console.error('usage: tshark-args.js CAPTURE [PORT]');
  process.exit(2);
}
const port = process.argv[3] ?? '5672';
const r = spawnSync('tshark', ['-r', capture, '-d', `tcp.port==${port},amqp`, '-T', 'json', '--no-duplicate-keys', '-J', 'frame tcp amqp'], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const frames = [];
for (const pkt of JSON.parse(r.stdout)) {
  const layers = pkt._source.layers;
  if (layers.amqp === undefined) continue;
  const packet = Number(layers.frame['frame.number']);
  const dir = layers.tcp['tcp.dstport'] === port ? 'c2s' : 's2c';
  for (const a of Array.isArray(layers.amqp) ? layers.amqp : [layers.amqp]) {
    const f = { packet, dir, type: Number(a['amqp.type']), channel: Number(a['amqp.channel']) };
    if (a['amqp.method.class'] !== undefined) {
      f.classId = Number(a['amqp.method.class']);
      f.methodId = Number(a['amqp.method.method']);
      f.args = scalars(a['amqp.method.arguments'] ?? {}, 'amqp.method.arguments.');
    }
    if (a['amqp.header.body-size'] !== undefined) {
      f.bodySize = Number(a['amqp.header.body-size']);
      f.properties = scalars(a['amqp.header.properties'] ?? {}, 'amqp.method.properties.');
    }
    frames.push(f);
  }
}
process.stdout.write(`${JSON.stringify(frames, null, 1)}\n`);

/** Leaf values only (tables and arrays are text in tshark): names without the prefix. */
function scalars(obj, prefix) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string' || !k.startsWith(prefix)) continue;
    out[k.slice(prefix.length)] = v;
  }
  return out;
}

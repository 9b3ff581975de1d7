// The README's generated blocks: the options table (from the same data as --help) and a real report, so the
// README cannot drift from the program. `npm run readme` rewrites them; test/readme.test.ts checks they are current.
import { readFileSync } from 'node:fs';

/** @param {{ flags: string; description: string }[]} options */
export function optionsBlock(options) {
  const rows = options.map((o) => `| \`${o.flags}\` | ${o.description.replace(/\|/g, '\\|')} |`);
  return ['| option | meaning |', '|---|---|', ...rows].join('\n');
}

/**
 * @param {(bytes: Uint8Array, options: { path: string }) => any} analyzeBytes
 * @param {(report: any, opts: { width: number; color: boolean; all: boolean }) => string} renderTerminal
 * @param {string} capturePath path of captures/pika-long-callback.pcap
 */
export function exampleBlock(analyzeBytes, renderTerminal, capturePath) {
  const report = analyzeBytes(readFileSync(capturePath), { path: 'captures/pika-long-callback.pcap' });
  const text = renderTerminal(report, { width: 100, color: false, all: false });
  const c = report.connections[0];
  const excerpt = {
    id: c.id,
    name: c.name,
    library: c.library,
    heartbeat: c.heartbeat,
    frames: c.frames,
    lastClientFrame: c.lastClientFrame,
    end: c.end,
    findings: c.findings.map((f) => ({ code: f.code, severity: f.severity, packet: f.packet })),
  };
  return [
    '`amqpscope captures/pika-long-callback.pcap` (pika\'s BlockingConnection, T = 4 s, a callback that works 20 s',
    'without returning to pika):',
    '',
    '```',
    text,
    '```',
    '',
    'And an excerpt of the same connection in `amqpscope captures/pika-long-callback.pcap --json`:',
    '',
    '```json',
    JSON.stringify(excerpt, null, 2),
    '```',
  ].join('\n');
}

/**
 * The live example: what `amqpscope --follow -` printed while pika-live-follow.pcap was being captured (kept with
 * tee); replaying the capture prints the same lines, since live mode runs on capture time only.
 * @param {new (options: { path: string; onLive: (e: any) => void }) => { push(b: Uint8Array): void; end(): unknown }} Analyzer
 * @param {(event: any) => string} liveLine
 * @param {string} capturePath path of captures/pika-live-follow.pcap
 */
export function liveBlock(Analyzer, liveLine, capturePath) {
  const lines = [];
  const a = new Analyzer({ path: '-', onLive: (e) => lines.push(liveLine(e)) });
  a.push(readFileSync(capturePath));
  a.end();
  return [
    "```",
    "$ tcpdump -i lo -U -s 0 -w - 'tcp port 5672 or tcp port 5671' | amqpscope --follow -",
    ...lines,
    '```',
  ].join('\n');
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceBlock(readme, name, content) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README has no ${start} ... ${end} block`);
  return `${readme.slice(0, a + start.length)}\n${content}\n${readme.slice(b)}`;
}

/**
 * The same traffic gives the same connections, frames, events and verdicts whatever form the capture takes:
 * classic pcap, pcapng (editcap -F pcapng), gzipped, from standard input, or fed one byte at a time.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Analyzer, analyzeBytes, analyzeFile } from '../src/analyze.js';
import type { Report } from '../src/report/types.js';
import { captureBytes } from './helpers/captures.js';

/** Everything but the facts about the file itself (its name, format and size). */
function traffic(r: Report) {
  return JSON.stringify({ connections: r.connections, findings: r.findings, packets: r.capture.packets, start: r.capture.start });
}

describe('capture forms are equivalent', () => {
  const pcap = captureBytes('pika-long-callback.pcap');
  const reference = analyzeBytes(pcap, { path: 'x' });

  it('pcapng (written by editcap) gives the identical analysis', () => {
    const r = analyzeBytes(captureBytes('pika-long-callback.pcapng'), { path: 'x' });
    expect(r.capture.format).toBe('pcapng');
    expect(traffic(r)).toBe(traffic(reference));
  });

  it('gzip is recognised by its magic bytes, not its name', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'amqpscope-')), 'capture.bin');
    writeFileSync(path, gzipSync(pcap));
    const r = await analyzeFile(path);
    expect(r.capture.warnings).toEqual([]);
    expect(traffic(r)).toBe(traffic(reference));
  });

  it("reads standard input for '-'", async () => {
    const stdin = Readable.from([pcap.subarray(0, 100), pcap.subarray(100)]);
    const r = await analyzeFile('-', { stdin });
    expect(traffic(r)).toBe(traffic(reference));
  });

  it('one byte at a time', () => {
    const a = new Analyzer({ path: 'x' });
    for (let i = 0; i < pcap.length; i++) a.push(pcap.subarray(i, i + 1));
    expect(traffic(a.end())).toBe(traffic(reference));
  });

  it('a capture cut mid-record gives everything before the cut and a warning', () => {
    const cut = pcap.subarray(0, pcap.length - 30);
    const r = analyzeBytes(cut, { path: 'x' });
    expect(r.capture.warnings.map((w) => w.code)).toEqual(['capture-truncated']);
    expect(r.capture.packets).toBe(reference.capture.packets - 1);
    // The broker's RST (the last packet) is gone: the connection is still open at the end of what was captured.
    expect(r.connections[0]!.end.verdict).toBe('open');
  });
});

/** capture/follow.ts: a file read as it grows until told to stop, and a stream left behind when told to stop. */
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followFile, untilAborted } from '../../src/capture/follow.js';
import { AnalyzerError } from '../../src/errors.js';
import { captureBytes } from '../helpers/captures.js';
import { gzip } from '../helpers/synth-capture.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'amqpscope-follow-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(Uint8Array.prototype.slice.call(c));
  return Buffer.concat(parts);
}

describe('followFile', () => {
  it('yields what is appended after the end was reached, and stops when aborted', async () => {
    const path = join(dir, 'grow.pcap');
    const bytes = captureBytes('pika-long-callback.pcap');
    await writeFile(path, bytes.subarray(0, 1000));
    const controller = new AbortController();
    const reading = collect(followFile(path, { signal: controller.signal, pollMs: 10 }));
    await new Promise((r) => setTimeout(r, 50));
    await appendFile(path, bytes.subarray(1000, 2500));
    await new Promise((r) => setTimeout(r, 50));
    await appendFile(path, bytes.subarray(2500));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(Buffer.compare(await reading, Buffer.from(bytes))).toBe(0);
  });

  it('stops, saying why, when the file is truncated or another file takes its path (log rotation)', async () => {
    const bytes = captureBytes('pika-long-callback.pcap');
    for (const [name, change, why] of [
      ['truncated.pcap', async (path: string) => writeFile(path, bytes.subarray(0, 100)), /truncated.pcap: truncated to \d+ bytes: stopped following it; the report covers the 4432 bytes read$/],
      [
        'replaced.pcap',
        async (path: string) => {
          await writeFile(`${path}.new`, captureBytes('fleet-host-freeze.pcap'));
          await rename(`${path}.new`, path);
        },
        /replaced.pcap: replaced by another file: stopped following it/,
      ],
    ] as const) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const told: string[] = [];
      const controller = new AbortController();
      const it = followFile(path, { signal: controller.signal, pollMs: 10, onGone: (w) => told.push(w) })[Symbol.asyncIterator]();
      // The whole file in the first chunk, then the change, then the end: by itself, no abort needed.
      const first = await it.next();
      expect(Buffer.compare(Buffer.from(first.value as Uint8Array), Buffer.from(bytes))).toBe(0);
      await change(path);
      expect((await it.next()).done).toBe(true);
      expect(told).toEqual([expect.stringMatching(why)]);
    }
  });

  it('refuses gzip, a directory and a missing file in one line', async () => {
    const gz = join(dir, 'x.pcap.gz');
    await writeFile(gz, gzip(captureBytes('pika-long-callback.pcap')));
    const signal = AbortSignal.abort();
    await expect(collect(followFile(gz, { signal }))).rejects.toThrow(new AnalyzerError('usage', `${gz}: --follow reads an uncompressed capture (this one is gzip)`));
    await expect(collect(followFile(dir, { signal }))).rejects.toThrow(`${dir}: is a directory`);
    await expect(collect(followFile(join(dir, 'none.pcap'), { signal }))).rejects.toThrow(/none\.pcap: no such file$/);
  });
});

describe('untilAborted', () => {
  it('passes chunks through to the end of the stream', async () => {
    const s = new PassThrough();
    s.end(Buffer.from('abc'));
    expect((await collect(untilAborted(s, new AbortController().signal))).toString()).toBe('abc');
  });

  it('stops waiting on a stream that stays open once aborted', async () => {
    const s = new PassThrough();
    const controller = new AbortController();
    const reading = collect(untilAborted(s, controller.signal));
    s.write(Buffer.from('ab'));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect((await reading).toString()).toBe('ab');
    s.destroy();
  });
});

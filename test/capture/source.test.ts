import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, createReadStream, openSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { CaptureSource, readCaptureSource } from '../../src/capture/source.js';
import { CaptureReader } from '../../src/capture/reader.js';
import type { CaptureWarning } from '../../src/capture/types.js';
import { AnalyzerError } from '../../src/errors.js';
import { concat, gzip, writePcap } from '../helpers/synth-capture.js';
import type { SynthPacket } from '../helpers/synth-capture.js';
import { bytesOf, prng } from './read-all.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'amqpscope-source-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pcap of `n` packets with incompressible-ish contents, so that gzip output is long enough to cut. */
function capture(n: number): Uint8Array {
  const rnd = prng(3);
  const pkts: SynthPacket[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(200 + (i % 50));
    for (let j = 0; j < data.length; j++) data[j] = Math.floor(rnd() * 256);
    pkts.push({ tsSec: 1795313464 + i, tsNsec: i * 1000, data });
  }
  return writePcap(pkts);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; sizes: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(new Uint8Array(c)); // copy: prove nothing relies on shared buffers
  return { bytes: concat(parts), sizes: parts.map((p) => p.length) };
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<AnalyzerError> {
  const err = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AnalyzerError);
  return err as AnalyzerError;
}

describe('readCaptureSource', () => {
  it('reads a file in 1 MiB chunks by default', async () => {
    const bytes = bytesOf(2.5 * 1024 * 1024, 5);
    const got = await collect(readCaptureSource(await file('big.bin', bytes)));
    expect(got.sizes).toEqual([1048576, 1048576, 524288]);
    expect(Buffer.compare(got.bytes, bytes)).toBe(0);
  });

  it('honours chunkSize', async () => {
    const bytes = capture(10);
    const got = await collect(readCaptureSource(await file('small.pcap', bytes), { chunkSize: 1000 }));
    expect(got.sizes.length).toBeGreaterThanOrEqual(Math.ceil(bytes.length / 1000));
    expect(got.sizes.every((s) => s <= 1000)).toBe(true);
    expect(got.sizes.length).toBe(Math.ceil(bytes.length / 1000));
    expect(Buffer.compare(got.bytes, bytes)).toBe(0);
  });

  it('reuses one buffer for a plain file with reuseBuffer, and never for gzip (zlib holds what it is given)', async () => {
    const bytes = capture(40);
    const plain = await file('reuse.pcap', bytes);
    const zipped = await file('reuse.pcap.gz', gzip(bytes));
    for (const [path, reused] of [[plain, true], [zipped, false]] as const) {
      const buffers = new Set<ArrayBufferLike>();
      const parts: Uint8Array[] = [];
      for await (const c of readCaptureSource(path, { chunkSize: 1000, reuseBuffer: true })) {
        buffers.add(c.buffer);
        parts.push(new Uint8Array(c)); // consumed before the next chunk is asked for, as the analyzer does
      }
      expect(Buffer.compare(concat(parts), bytes), path).toBe(0);
      expect(parts.length).toBeGreaterThan(5);
      if (reused) expect(buffers.size, path).toBe(1);
      else expect(buffers.size, path).toBeGreaterThan(1);
    }
  });

  it('decompresses gzip recognised by its magic, whatever the file is called', async () => {
    const bytes = capture(500);
    const path = await file('not-a-gz-name.pcap', gzip(bytes));
    const source = new CaptureSource(path, { chunkSize: 4096 });
    const got = await collect(source);
    expect(Buffer.compare(got.bytes, bytes)).toBe(0);
    expect(got.sizes.length).toBeGreaterThan(1); // streamed, not inflated in one piece
    expect(source.warnings).toEqual([]);
  });

  it('passes a file that merely starts with 1f through untouched', async () => {
    const bytes = Uint8Array.of(0x1f, 0x00, 0x8b);
    expect(Buffer.compare((await collect(readCaptureSource(await file('1f.bin', bytes)))).bytes, bytes)).toBe(0);
    const one = Uint8Array.of(0x1f);
    expect(Buffer.compare((await collect(readCaptureSource(await file('one.bin', one)))).bytes, one)).toBe(0);
    expect((await collect(readCaptureSource(await file('empty.bin', new Uint8Array(0))))).sizes).toEqual([]);
  });

  it('yields what a truncated gzip stream holds, then a gzip-truncated warning', async () => {
    const bytes = capture(2000);
    const gz = gzip(bytes);
    const path = await file('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const source = new CaptureSource(path);
    const got = await collect(source);
    expect(got.bytes.length).toBeGreaterThan(0);
    expect(got.bytes.length).toBeLessThan(bytes.length);
    expect(Buffer.compare(got.bytes, bytes.subarray(0, got.bytes.length))).toBe(0); // a true prefix
    expect(source.warnings).toHaveLength(1);
    expect(source.warnings[0]).toMatchObject({ code: 'gzip-truncated', offset: got.bytes.length });
    expect(source.warnings[0]?.message).toContain(path);
  });

  it('reports a corrupt gzip stream the same way, without throwing', async () => {
    const gz = gzip(capture(2000));
    for (let i = Math.floor(gz.length / 2); i < Math.floor(gz.length / 2) + 64; i++) gz[i] = 0xff;
    const warnings: CaptureWarning[] = [];
    const got = await collect(readCaptureSource(await file('corrupt.pcap.gz', gz), { onWarning: (w) => warnings.push(w) }));
    expect(got.bytes.length).toBeLessThan(capture(2000).length);
    expect(warnings.map((w) => w.code)).toEqual(['gzip-truncated']);
  });

  it('delivers the gzip warning before the reader reports the cut record', async () => {
    const gz = gzip(capture(2000));
    const path = await file('cut2.pcap.gz', gz.subarray(0, gz.length - 100));
    const codes: string[] = [];
    let packets = 0;
    const sink = {
      onPacket: () => void packets++,
      onWarning: (w: CaptureWarning) => void codes.push(w.code),
    };
    const reader = new CaptureReader(sink, path);
    for await (const chunk of readCaptureSource(path, { onWarning: (w) => sink.onWarning(w) })) reader.push(chunk);
    reader.end();
    expect(codes).toEqual(['gzip-truncated', 'capture-truncated']);
    expect(packets).toBeGreaterThan(1000);
    expect(packets).toBeLessThan(2000);
  });

  it("reads standard input for '-', gzip too, even one byte at a time", async () => {
    const bytes = capture(50);
    const plain = await collect(readCaptureSource('-', { stdin: Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]) }));
    expect(Buffer.compare(plain.bytes, bytes)).toBe(0);
    const gz = gzip(bytes);
    const ones = Array.from(gz, (b) => Buffer.of(b));
    const unzipped = await collect(readCaptureSource('-', { stdin: Readable.from(ones) }));
    expect(Buffer.compare(unzipped.bytes, bytes)).toBe(0);
  });

  it("reads standard input redirected from a file (amqpscope - < f) in whole chunks, like a file", async () => {
    // process.stdin is then an fs.ReadStream on fd 0: its own reads would be 64 KiB each, awaited one by one.
    const real = readFileSync('captures/pika-blocked-memory-alarm.pcap');
    const fd = openSync('captures/pika-blocked-memory-alarm.pcap', 'r');
    const stdin = createReadStream('', { fd });
    try {
      const got = await collect(readCaptureSource('-', { stdin, chunkSize: 256 * 1024 }));
      expect(Buffer.compare(got.bytes, real)).toBe(0);
      expect(got.sizes.slice(0, -1).every((n) => n === 256 * 1024)).toBe(true);
      expect(got.sizes.length).toBe(Math.ceil(real.length / (256 * 1024)));
    } finally {
      stdin.destroy();
    }
  });

  it('turns an input error inside a gzip stream into unreadable-input, not a gzip warning', async () => {
    const gz = gzip(capture(200));
    let sent = false;
    const stdin = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(gz.subarray(0, 100));
        } else this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
      },
    });
    const warnings: CaptureWarning[] = [];
    const err = await rejection(collect(readCaptureSource('-', { stdin, onWarning: (w) => warnings.push(w) })));
    expect(err.code).toBe('unreadable-input');
    expect(err.message).toBe('standard input: cannot read (EIO)');
    expect(warnings).toEqual([]);
  });

  it("refuses a terminal on '-', and '-' without a standard input (the CLI hands down process.stdin)", async () => {
    const tty = Object.assign(Readable.from([capture(1)]), { isTTY: true });
    const err = await rejection(collect(readCaptureSource('-', { stdin: tty })));
    expect(err.code).toBe('usage');
    expect(err.message).toMatch(/^-: standard input is a terminal; pipe a capture into it/);
    const none = await rejection(collect(readCaptureSource('-')));
    expect({ code: none.code, message: none.message }).toEqual({ code: 'usage', message: '-: no standard input to read' });
  });

  it('stops cleanly when the consumer stops early (gzip and plain)', async () => {
    const bytes = capture(3000);
    for (const [name, content] of [
      ['early.pcap', bytes],
      ['early.pcap.gz', gzip(bytes)],
    ] as const) {
      const path = await file(name, content);
      let n = 0;
      for await (const c of readCaptureSource(path, { chunkSize: 1024 })) {
        n += c.length;
        if (n > 5000) break;
      }
      expect(n).toBeGreaterThan(5000);
      expect(n).toBeLessThan(bytes.length);
    }
  });

  describe('unreadable input', () => {
    it('a missing file', async () => {
      const path = join(dir, 'nope.pcap');
      const err = await rejection(collect(readCaptureSource(path)));
      expect(err.code).toBe('unreadable-input');
      expect(err.message).toBe(`${path}: no such file`);
    });

    it('a directory', async () => {
      const err = await rejection(collect(readCaptureSource(dir)));
      expect(err.code).toBe('unreadable-input');
      expect(err.message).toBe(`${dir}: is a directory`);
    });

    it('a path through a regular file', async () => {
      const path = join(await file('plain.txt', bytesOf(3)), 'x.pcap');
      const err = await rejection(collect(readCaptureSource(path)));
      expect(err.code).toBe('unreadable-input');
      expect(err.message).toMatch(/: no such file/);
    });

    // root reads any file whatever its mode: as root (CI always is), the read is made by a child process running
    // as the unprivileged user 65534 (nobody), through the built module (npm test builds dist/ first).
    it('a file without read permission', async () => {
      const path = await file('secret.pcap', capture(1));
      await chmod(path, 0o000);
      if (process.getuid?.() !== 0) {
        const err = await rejection(collect(readCaptureSource(path)));
        expect({ code: err.code, message: err.message }).toEqual({ code: 'unreadable-input', message: `${path}: permission denied` });
        return;
      }
      await chmod(dir, 0o755); // mkdtemp's 0700 would stop nobody before the file's own mode does
      // The built modules are copied beside the file: the checkout itself may sit where nobody cannot go (a clone
      // in another mkdtemp directory, a home directory of mode 0700).
      cpSync(join(import.meta.dirname, '..', '..', 'dist'), join(dir, 'dist'), { recursive: true });
      const module = pathToFileURL(join(dir, 'dist', 'capture', 'source.js')).href;
      const script = `import { readCaptureSource } from ${JSON.stringify(module)};
try { for await (const _ of readCaptureSource(${JSON.stringify(path)})) {} console.log('{}'); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ code: 'unreadable-input', message: `${path}: permission denied` });
    });
  });
});

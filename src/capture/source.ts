/**
 * Opening a capture: a file path, or '-' for standard input (so `tcpdump -U -w - | amqpscope -` works live),
 * yielded as a stream of byte chunks for CaptureReader.push(). gzip is recognised by its magic bytes (1f 8b), not
 * by the file name, and decompressed as it streams, so a .pcap.gz of any size never sits in memory whole.
 *
 * Errors and warnings, by design:
 *   - Input that cannot be opened or read (missing, a directory, permission denied, I/O error) throws
 *     AnalyzerError('unreadable-input', '<path>: <reason>') from the first (or a later) iteration. No stack trace
 *     reaches the operator: the CLI prints the message.
 *   - A gzip stream that is cut short or corrupt is NOT an exception: everything decompressed up to the damage is
 *     yielded, then a 'gzip-truncated' CaptureWarning is reported and the iteration ends normally. The warning goes
 *     to `onWarning` (readCaptureSource) or into `warnings` (CaptureSource). It is reported after the last chunk
 *     and before the iteration finishes, so a consumer that forwards it to the sink and then calls reader.end()
 *     reports it before the reader's own 'capture-truncated' (which the cut usually causes too).
 *
 * Chunks are fresh buffers (1 MiB for files by default); the consumer may keep them.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { AnalyzerError } from '../errors.js';
import type { CaptureWarning } from './types.js';

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

export interface CaptureSourceOptions {
  /** Bytes per read from a file (default 1 MiB). Standard input yields whatever the pipe delivers. */
  chunkSize?: number;
  /**
   * The stream read for path '-': the CLI passes its standard input (only src/cli.ts touches the process), tests a
   * Readable. Without it, '-' is a usage error.
   */
  stdin?: NodeJS.ReadableStream;
  /**
   * Read an uncompressed file into one reused buffer: each chunk is then valid only until the next is asked for
   * (the analyzer consumes chunks synchronously and copies what it keeps). Saves a fresh 1 MiB buffer per read,
   * which the garbage collector frees only in batches (tens of MB of dead chunks on a large capture).
   */
  reuseBuffer?: boolean;
  /** Receives 'gzip-truncated' warnings, after the last chunk and before the iteration ends. */
  onWarning?: (warning: CaptureWarning) => void;
}

/**
 * The capture's bytes, decompressed if gzip, in chunks. See the module comment for errors and warnings.
 */
export async function* readCaptureSource(path: string, opts: CaptureSourceOptions = {}): AsyncGenerator<Uint8Array> {
  // Buffers are reused only once the input is known not to be gzip: zlib holds the chunks written to it.
  const reuse = { allowed: false };
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const raw = path === '-' ? readStandardInput(opts.stdin, path, chunkSize, reuse) : readFile(path, chunkSize, reuse);
  try {
    // Peek at the first two bytes. A pipe can deliver a single byte first, so gather until there are two.
    const head: Uint8Array[] = [];
    let headLen = 0;
    while (headLen < 2) {
      const r = await raw.next();
      if (r.done) break;
      head.push(r.value);
      headLen += r.value.length;
    }
    const first = head[0];
    const second = first !== undefined && first.length >= 2 ? first[1] : head[1]?.[0];
    if (first?.[0] !== 0x1f || second !== 0x8b) {
      reuse.allowed = opts.reuseBuffer === true;
      yield* head;
      yield* raw;
      return;
    }
    yield* gunzip(path, head, raw, opts);
  } finally {
    // Closes the file / releases stdin if the consumer stopped early or something threw.
    await raw.return(undefined);
  }
}

/**
 * readCaptureSource as an object that keeps its warnings: iterate it (once), then read `warnings`.
 *
 *   const source = new CaptureSource(path);
 *   for await (const chunk of source) reader.push(chunk);
 *   for (const w of source.warnings) sink.onWarning(w);
 *   reader.end();
 */
export class CaptureSource implements AsyncIterable<Uint8Array> {
  readonly path: string;
  /** Filled during iteration ('gzip-truncated'); complete once the iteration has finished. */
  readonly warnings: CaptureWarning[] = [];
  readonly #opts: CaptureSourceOptions;

  constructor(path: string, opts: CaptureSourceOptions = {}) {
    this.path = path;
    this.#opts = opts;
  }

  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const forward = this.#opts.onWarning;
    return readCaptureSource(this.path, {
      ...this.#opts,
      onWarning: (w) => {
        this.warnings.push(w);
        forward?.(w);
      },
    });
  }
}

async function* gunzip(
  path: string,
  head: Uint8Array[],
  raw: AsyncGenerator<Uint8Array>,
  opts: CaptureSourceOptions,
): AsyncGenerator<Uint8Array> {
  const z = createGunzip({ chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE });
  // Errors of the underlying input must stay 'unreadable-input'; only zlib's own errors mean a damaged stream.
  let inputError: unknown = null;
  const feed = async (): Promise<void> => {
    try {
      for (const c of head) if (!(await write(c))) return;
      for await (const c of raw) if (!(await write(c))) return; // leaving the loop closes the input
      z.end();
    } catch (err) {
      inputError = err;
      z.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  };
  /** Writes with back-pressure; false once zlib is gone (failed, or the consumer stopped early). */
  const write = async (c: Uint8Array): Promise<boolean> => {
    if (z.destroyed) return false;
    if (!z.write(c)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          z.off('drain', done);
          z.off('close', done);
          resolve();
        };
        z.on('drain', done);
        z.on('close', done);
      });
    }
    return !z.destroyed;
  };
  const feeding = feed();
  let out = 0;
  try {
    for await (const c of z) {
      const chunk = c as Buffer;
      out += chunk.length;
      yield chunk;
    }
  } catch (err) {
    if (inputError !== null) throw inputError;
    const reason = err instanceof Error ? err.message : String(err);
    opts.onWarning?.({
      code: 'gzip-truncated',
      message:
        `${path}: the gzip stream is cut short or corrupt (${reason}); analysing the ${out} bytes decompressed ` +
        `before the damage`,
      offset: out,
    });
  } finally {
    z.destroy();
    await feeding;
  }
}

/**
 * A capture file opened for synchronous reads (here, and by follow.ts as it grows); what cannot be read, a directory
 * included, is 'unreadable-input'.
 */
export function openCaptureFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw ioError(path, err);
  }
  let directory: boolean;
  try {
    directory = fstatSync(fd).isDirectory();
  } catch (err) {
    closeQuietly(fd);
    throw ioError(path, err);
  }
  // open() succeeds on a directory on Linux; say so before a read fails with a less clear EISDIR.
  if (directory) {
    closeQuietly(fd);
    throw new AnalyzerError('unreadable-input', `${path}: is a directory`);
  }
  return fd;
}

/** A close error after a read (or a failed open) changes nothing. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing to do
  }
}

/**
 * A file, read synchronously. Measured on the 107 MB load capture (`node --cpu-prof`): with one awaited
 * fh.read() per 1 MiB chunk, the main thread sat idle 105-430 ms per run (more on a busy machine) waiting for the
 * thread pool to copy each chunk out of the page cache, since nothing was read ahead while a chunk was decoded. A
 * readSync of 1 MiB from the page cache takes ~0.1 ms, so reading in line costs nothing and leaves no idle time. A
 * file never blocks the way a pipe does, so nothing that waits for input to arrive is held up (standard input, which
 * may be a live pipe, is read as a stream: readStream).
 */
async function* readFile(path: string, chunkSize: number, reuse: { allowed: boolean }): AsyncGenerator<Uint8Array> {
  const fd = openCaptureFile(path);
  try {
    yield* readDescriptor(fd, path, chunkSize, reuse);
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Reads an open file descriptor (a file, or standard input redirected from one: never a directory) synchronously to
 * its end (see readFile); the caller closes it.
 */
function* readDescriptor(fd: number, path: string, chunkSize: number, reuse: { allowed: boolean }): Generator<Uint8Array> {
  let reused: Buffer | null = null;
  for (;;) {
    const buf = reuse.allowed ? (reused ??= Buffer.allocUnsafe(chunkSize)) : Buffer.allocUnsafe(chunkSize);
    let n: number;
    try {
      n = readSync(fd, buf, 0, chunkSize, null);
    } catch (err) {
      throw ioError(path, err);
    }
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

/**
 * Standard input: redirected from a regular file (`amqpscope - < capture.pcap`), it is read synchronously like a
 * file (a file stream would deliver 64 KiB chunks, each awaited); a pipe or anything else is read as the stream
 * delivers it, so a live `tcpdump -U -w - | amqpscope -` is analysed as its packets arrive and a blocking read
 * never holds up the event loop.
 */
async function* readStandardInput(
  stream: NodeJS.ReadableStream | undefined,
  path: string,
  chunkSize: number,
  reuse: { allowed: boolean },
): AsyncGenerator<Uint8Array> {
  const fd = (stream as { fd?: unknown } | undefined)?.fd;
  let regularFile = false;
  if (typeof fd === 'number') {
    try {
      regularFile = fstatSync(fd).isFile();
    } catch {
      // not a descriptor fstat understands: read it as the stream it is
    }
  }
  if (regularFile) yield* readDescriptor(fd as number, 'standard input', chunkSize, reuse);
  else yield* readStream(stream, path);
}

async function* readStream(stream: NodeJS.ReadableStream | undefined, path: string): AsyncGenerator<Uint8Array> {
  if (stream === undefined) throw new AnalyzerError('usage', `${path}: no standard input to read`);
  // A terminal's stream (tty.ReadStream) says so; a pipe's or a file's does not.
  if ((stream as { isTTY?: boolean }).isTTY === true) {
    throw new AnalyzerError(
      'usage',
      `${path}: standard input is a terminal; pipe a capture into it, e.g. tcpdump -U -w - port 5672 | amqpscope -`,
    );
  }
  try {
    for await (const c of stream) {
      yield typeof c === 'string' ? Buffer.from(c, 'latin1') : (c as Uint8Array);
    }
  } catch (err) {
    throw ioError(path === '-' ? 'standard input' : path, err);
  }
}

export function ioError(path: string, err: unknown): AnalyzerError {
  if (err instanceof AnalyzerError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  let reason: string;
  switch (code) {
    case 'ENOENT':
      reason = 'no such file';
      break;
    case 'EISDIR':
      reason = 'is a directory';
      break;
    case 'EACCES':
    case 'EPERM':
      reason = 'permission denied';
      break;
    case 'ENOTDIR':
      reason = 'no such file (a component of the path is not a directory)';
      break;
    case 'ELOOP':
      reason = 'too many levels of symbolic links';
      break;
    default:
      reason = `cannot read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
  return new AnalyzerError('unreadable-input', `${path}: ${reason}`, { cause: err });
}

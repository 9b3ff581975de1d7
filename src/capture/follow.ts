/**
 * Reading a capture that is still being written (`--follow FILE`, like `tail -f`): read to the end, wait, read
 * what was appended, until told to stop. A record half written when the end is reached needs nothing special: the
 * reader keeps the partial bytes of a push until the next one completes them. Standard input needs no polling (a
 * pipe blocks until tcpdump writes), only a way to stop waiting for it: `untilAborted`.
 *
 * No gzip: a compressed stream cannot be read while it is being written (the writer's buffers hold its tail).
 */
import { fstatSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnalyzerError } from '../errors.js';
import { closeQuietly, ioError, openCaptureFile } from './source.js';

/** How long to wait at the end of a growing file before looking again. */
export const FOLLOW_POLL_MS = 200;
const CHUNK_SIZE = 256 * 1024;

export interface FollowOptions {
  /** Stop at the next end of the file (or at once while waiting): SIGINT, SIGTERM, the end of tcpdump. */
  signal: AbortSignal;
  pollMs?: number;
  /**
   * Told, in one line, when the file is truncated or another file takes its path (log rotation, tcpdump restarted
   * over it): following stops there, and the report covers what was read. Without it, the run went on reading an
   * old file's offset and saying nothing.
   */
  onGone?: (why: string) => void;
}

/** The file's bytes as they are appended, until `signal` aborts. Errors as readCaptureSource's. */
export async function* followFile(path: string, opts: FollowOptions): AsyncGenerator<Uint8Array> {
  const fd = openCaptureFile(path);
  try {
    let first = true;
    let offset = 0;
    // A fresh buffer only once the last one was handed on (the reader may keep a chunk), not at every empty look.
    let buf = Buffer.allocUnsafe(CHUNK_SIZE);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK_SIZE, null);
      } catch (err) {
        throw ioError(path, err);
      }
      if (n > 0) {
        if (first && n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
          throw new AnalyzerError('usage', `${path}: --follow reads an uncompressed capture (this one is gzip)`);
        }
        first = first && n < 2;
        offset += n;
        yield buf.subarray(0, n);
        buf = Buffer.allocUnsafe(CHUNK_SIZE);
        continue;
      }
      const gone = goneFrom(path, fd, offset);
      if (gone !== null) {
        opts.onGone?.(`${path}: ${gone}: stopped following it; the report covers the ${offset} bytes read`);
        return;
      }
      if (opts.signal.aborted) return;
      try {
        await sleep(opts.pollMs ?? FOLLOW_POLL_MS, undefined, { signal: opts.signal });
      } catch {
        // Aborted while waiting: read what was appended meanwhile, then stop.
      }
    }
  } finally {
    closeQuietly(fd);
  }
}

/** Why the file at `path` is no longer the one being read (truncated below `offset`, another file there), or null. */
function goneFrom(path: string, fd: number, offset: number): string | null {
  try {
    const open = fstatSync(fd);
    if (open.size < offset) return `truncated to ${open.size} bytes`;
    const now = statSync(path);
    if (now.ino !== open.ino || now.dev !== open.dev) return 'replaced by another file';
  } catch {
    // Removed: the writer may still append to the open file, which is read on.
  }
  return null;
}

/**
 * The chunks of `source` until it ends or `signal` aborts, whichever comes first: a pipe from tcpdump may stay open
 * with nothing to read, and SIGTERM must still end the run. The source's pending read is left behind (its owner
 * closes the stream).
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let pending = false;
  try {
    while (!signal.aborted) {
      pending = true;
      const r = await nextOrAbort(it, signal);
      if (r === null || r.done === true) return;
      pending = false;
      yield r.value;
    }
  } finally {
    // A pending read cannot be cancelled; return() only once none is pending, else it would wait for it.
    if (!pending) await it.return?.(undefined);
  }
}

/**
 * The next result, or null once `signal` aborts. Not Promise.race against one long-lived abort promise: each race
 * leaves a reaction on it that keeps its result, a chunk, alive until the abort (a day of capture held in memory).
 */
function nextOrAbort<T>(it: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | null> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

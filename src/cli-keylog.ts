/**
 * The CLI's TLS key logs: the files of --tls-keylog (repeatable: one per client host is natural), else the file
 * that SSLKEYLOGFILE names. Only counts are ever printed, never keys.
 *
 * - A file named with --tls-keylog that cannot be read, or holds no secret, is a usage error; with --follow it may
 *   be missing or empty at the start, since clients log a session's secrets as they connect.
 * - SSLKEYLOGFILE is often set for something else (a browser creates its file lazily): a file that cannot be read or
 *   holds nothing is a warning, and the run goes on without keys (with --follow, it is watched).
 * - With --follow the files are read again, from where the last read stopped, when a session's secrets are missing.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { AnalyzerError } from './errors.js';
import { KeyLog } from './tls/keylog.js';

export interface LoadedKeyLog {
  log: KeyLog;
  /** The files read (a worker thread parses its own copy). */
  paths: string[];
}

/** Where the last read of a key log file stopped: its byte offset, in which file (inode). */
interface ReadPoint {
  offset: number;
  ino: number;
}

/** A file not read yet. */
const FROM_START: ReadPoint = { offset: 0, ino: -1 };

/** Sessions a followed key log keeps at most (about 2.3 KB each, TLS 1.3): bounded memory over days. */
const FOLLOWED_SESSIONS = 4096;

/**
 * Reads a key log file from `at` (from the start if the file is another one now, or shorter: replaced or truncated).
 * A growing file is read up to its last complete line, the rest is read next time; a finished one to its end.
 */
function readFrom(path: string, at: ReadPoint, growing: boolean): { text: Buffer; next: ReadPoint } | { error: string } {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    const size = stat.size;
    const from = size < at.offset || stat.ino !== at.ino ? 0 : at.offset;
    const text = Buffer.alloc(size - from);
    let got = 0;
    while (got < text.length) {
      const n = readSync(fd, text, got, text.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    const kept = growing ? text.subarray(0, text.lastIndexOf(0x0a, got - 1) + 1) : text.subarray(0, got);
    return { text: kept, next: { offset: from + kept.length, ino: stat.ino } };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? 'error' };
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * The key log for a run: null when no file is named and SSLKEYLOGFILE is unset (or can be gone without). `warn`
 * prints a one-line warning; `follow` makes the log grow with its files.
 */
export function loadKeyLogs(named: readonly string[], env: string | undefined, follow: boolean, warn: (text: string) => void): LoadedKeyLog | null {
  const fromEnv = named.length === 0 && env !== undefined && env !== '';
  const paths = named.length > 0 ? [...new Set(named)] : fromEnv ? [env!] : [];
  if (paths.length === 0) return null;
  const how = fromEnv ? 'SSLKEYLOGFILE' : '--tls-keylog';
  const log = new KeyLog();
  const points = new Map<string, ReadPoint>();
  const readable: string[] = [];
  for (const path of paths) {
    const entries = log.entries;
    const read = readFrom(path, FROM_START, follow);
    if ('error' in read) {
      const text = `${how}: cannot read the key log '${path}' (${read.error})`;
      if (!fromEnv && !follow) throw new AnalyzerError('usage', text);
      warn(`${text}: ${follow ? 'it is read again when a TLS connection needs its keys' : 'going on without TLS keys'}`);
      points.set(path, FROM_START);
      continue;
    }
    log.add(read.text);
    points.set(path, read.next);
    readable.push(path);
    if (log.entries === entries) {
      if (follow) {
        warn(`${how}: '${path}' holds no TLS secrets yet: it is read again when a TLS connection needs its keys`);
        continue;
      }
      const text = `${how}: '${path}' holds no TLS secrets in NSS key log format (lines such as CLIENT_RANDOM <hex> <hex>)`;
      if (!fromEnv) throw new AnalyzerError('usage', text);
      warn(`${text}: going on without TLS keys`);
    }
  }
  if (follow) {
    log.maxSessions = FOLLOWED_SESSIONS;
    log.grow = () => {
      const before = log.entries;
      for (const path of paths) {
        const read = readFrom(path, points.get(path) ?? FROM_START, true);
        if ('error' in read) continue;
        log.add(read.text);
        points.set(path, read.next);
      }
      return log.entries > before;
    };
    return { log, paths: readable };
  }
  return log.entries > 0 ? { log, paths: readable } : null;
}

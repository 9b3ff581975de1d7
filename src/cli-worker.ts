/**
 * A worker thread of the CLI: analyses one capture file of several and hands its report back as JSON text (the
 * main thread merges the reports into one fleet view). Bad input comes back as the message of its AnalyzerError,
 * which the main thread reports as it would its own; anything else is a bug, reported as one.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFile } from './analyze-file.js';
import { AnalyzerError } from './errors.js';
import { KeyLog } from './tls/keylog.js';

export interface WorkerJob {
  path: string;
  ports: number[] | undefined;
  /** The key logs' paths (already read by the main thread); each worker parses its own copy. */
  keyLogPaths: string[];
  allTimelines: boolean;
}

export type WorkerAnswer = { ok: true; json: string } | { ok: false; code: AnalyzerError['code'] | null; message: string; stack?: string };

const job = workerData as WorkerJob;
try {
  const keyLog = job.keyLogPaths.length > 0 ? new KeyLog() : null;
  for (const path of job.keyLogPaths) keyLog!.add(readFileSync(path));
  const report = await analyzeFile(job.path, { ports: job.ports, keyLog, allTimelines: job.allTimelines });
  parentPort!.postMessage({ ok: true, json: JSON.stringify(report) } satisfies WorkerAnswer);
} catch (err) {
  const answer: WorkerAnswer =
    err instanceof AnalyzerError
      ? { ok: false, code: err.code, message: err.message }
      : { ok: false, code: null, message: err instanceof Error ? err.message : String(err), ...(err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {}) };
  parentPort!.postMessage(answer);
}

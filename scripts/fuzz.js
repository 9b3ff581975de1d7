#!/usr/bin/env node
/**
 * amqpscope's fuzzer: `npm run fuzz -- [options]` (builds first) or `node scripts/fuzz.js [options]` on a built tree.
 *
 *   --seed S       run seed (default 1); case K of seed S is always the same input
 *   --cases N      run cases [start, start+N) (default 100000)
 *   --start K      first case index (default 0): continue a run, or split one across machines
 *   --minutes M    run until M minutes have passed instead of a fixed count
 *   --case K       run case K alone, in-process, and print what happened (reproduce a failure)
 *   --replay FILE  run a saved input (e.g. fuzz-out/failure-1-123.bin) and print what happened
 *   --save K       write case K's input to fuzz-out/case-<seed>-<K>.bin
 *   --cli-every N  every Nth case also goes through the real CLI binary (default 1000; 0 = never), some of them
 *                  gzip-compressed or as a gzip stream cut short
 *   --hang-ms MS   a case running this long is a hang: the worker is killed and restarted (default 10000)
 *   --slow-ms MS   a case finishing slower than this is a failure (default 2000)
 *   --heap-mb MB   the worker's heap limit (default 1024): a case needing more kills it, which is a failure
 *   --rss-mb MB    the process's resident memory bound (default 1024)
 *   --quiet        no progress lines
 * Ctrl-C stops after the current case and still prints the summary.
 *
 * Each case runs in-process in a worker thread (fast) through Analyzer: it must end in a Report that JSON carries
 * unchanged, or an AnalyzerError. Anything else is a failure, saved as fuzz-out/failure-<seed>-<case>.bin with a
 * .txt beside it (strategy, error, stack), and the run goes on. The main thread is a watchdog: a case that never
 * returns (a hang) or a worker that dies (out of memory: its heap is capped at --heap-mb, default 1024) is recorded
 * the same way and the worker restarts after that case. RSS is sampled and its peak reported; above --rss-mb
 * (default 1024) the run counts it as a failure. Exit status: 0 no failures, 1 failures, 2 bad usage.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { checkCase, loadCorpus, makeCase, runCase, signature } from './fuzz-lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'fuzz-out');
const CAPTURES = join(ROOT, 'captures');
const DIST = join(ROOT, 'dist');

/** The build under test: dist/, or the run's private snapshot of it (see main). */
async function loadApi(dist = DIST) {
  const { Analyzer } = await import(pathToFileURL(join(dist, 'analyze.js')).href);
  const { AnalyzerError } = await import(pathToFileURL(join(dist, 'errors.js')).href);
  const { parseKeyLog } = await import(pathToFileURL(join(dist, 'tls', 'keylog.js')).href);
  const { mergeReports } = await import(pathToFileURL(join(dist, 'report', 'merge.js')).href);
  return { Analyzer, AnalyzerError, parseKeyLog, mergeReports };
}

function parseArgs(argv) {
  const o = { seed: 1, cases: 100_000, start: 0, minutes: null, case: null, replay: null, save: null, cliEvery: 1000, hangMs: 10_000, slowMs: 2000, heapMb: 1024, rssMb: 1024, quiet: false };
  const num = (v, name) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) usage(`${name} needs a non-negative number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--seed': o.seed = num(argv[++i], a) >>> 0; break;
      case '--cases': o.cases = num(argv[++i], a); break;
      case '--start': o.start = num(argv[++i], a); break;
      case '--minutes': o.minutes = num(argv[++i], a); break;
      case '--case': o.case = num(argv[++i], a); break;
      case '--replay': o.replay = argv[++i] ?? usage('--replay needs a file'); break;
      case '--save': o.save = num(argv[++i], a); break;
      case '--cli-every': o.cliEvery = num(argv[++i], a); break;
      case '--hang-ms': o.hangMs = num(argv[++i], a); break;
      case '--slow-ms': o.slowMs = num(argv[++i], a); break;
      case '--heap-mb': o.heapMb = num(argv[++i], a); break;
      case '--rss-mb': o.rssMb = num(argv[++i], a); break;
      case '--quiet': o.quiet = true; break;
      case '-h':
      case '--help':
        process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^[\s\S]*?\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
        process.exit(0);
      default: usage(`unknown option ${a}`);
    }
  }
  return o;
}

function usage(msg) {
  process.stderr.write(`fuzz: ${msg} (see --help)\n`);
  process.exit(2);
}

function describeError(e) {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

// ---------------------------------------------------------------------------------------------------------------
// Worker: runs cases, reports progress through shared memory, failures and CLI samples by message.

async function workerMain() {
  const { seed, from, to, deadline, slowMs, cliEvery, progress, dist } = workerData;
  const api = await loadApi(dist);
  const corpus = loadCorpus(CAPTURES);
  const shared = new Float64Array(progress); // [current case, cases done in this worker]
  let slowest = { ms: 0, index: -1, description: '' };
  const outcomes = {};
  let done = 0;
  for (let i = from; i < to; i++) {
    if (deadline !== null && Date.now() >= deadline) break;
    shared[0] = i;
    let res;
    try {
      res = checkCase(api, corpus, seed, i, { maxMs: slowMs });
    } catch (e) {
      // The harness itself failed to build the case: a fuzzer bug, reported like any failure.
      parentPort.postMessage({ type: 'failure', index: i, description: '(harness)', error: describeError(e), stack: e?.stack ?? '', signature: `harness: ${describeError(e)}` });
      continue;
    }
    done++;
    shared[1] = done;
    outcomes[res.outcome] = (outcomes[res.outcome] ?? 0) + 1;
    if (res.ms > slowest.ms) slowest = { ms: res.ms, index: i, description: res.case.description };
    if (res.failure !== null) {
      parentPort.postMessage({
        type: 'failure',
        index: i,
        description: res.case.description,
        error: describeError(res.failure),
        stack: res.failure?.stack ?? '',
        signature: signature(res.failure),
        bytes: res.case.bytes,
      });
    }
    if (cliEvery > 0 && i % cliEvery === 0) parentPort.postMessage({ type: 'cli', index: i, bytes: res.case.bytes, description: res.case.description });
    if (done % 250 === 0) {
      parentPort.postMessage({ type: 'stats', slowest, outcomes });
    }
  }
  parentPort.postMessage({ type: 'stats', slowest, outcomes });
  parentPort.postMessage({ type: 'done' });
}

// ---------------------------------------------------------------------------------------------------------------
// Main: watchdog, failure files, CLI samples, progress.

async function single(o) {
  const api = await loadApi();
  let bytes;
  let what;
  let chunks = null;
  let keys = null;
  if (o.replay !== null) {
    bytes = new Uint8Array(readFileSync(o.replay));
    what = o.replay;
  } else {
    const c = makeCase(loadCorpus(CAPTURES), o.seed, o.case ?? o.save);
    bytes = c.bytes;
    chunks = c.chunks;
    keys = c.keys;
    what = `seed ${o.seed} case ${o.case ?? o.save}: ${c.description} (${bytes.length} bytes${chunks ? `, also in ${chunks.length} pieces` : ''})`;
    if (o.save !== null) {
      mkdirSync(OUT, { recursive: true });
      const file = join(OUT, `case-${o.seed}-${o.save}.bin`);
      writeFileSync(file, bytes);
      console.log(`${what}\nwritten to ${file}`);
      return 0;
    }
  }
  console.log(what);
  const log = keys !== null ? api.parseKeyLog(keys) : null;
  const opts = log !== null && log.entries > 0 ? { keyLog: log } : {};
  const res = runCase(api, bytes, null, 'fuzz.pcap', opts);
  console.log(`whole: ${res.outcome} in ${res.ms.toFixed(1)} ms${res.error ? `\n${res.error.stack ?? res.error}` : ''}`);
  if (chunks !== null) {
    const again = runCase(api, bytes, chunks, 'fuzz.pcap', opts);
    console.log(`pieces: ${again.outcome} in ${again.ms.toFixed(1)} ms, ${again.json === res.json ? 'identical' : 'DIFFERENT'} report${again.error ? `\n${again.error.stack ?? again.error}` : ''}`);
    return res.ok && again.ok && again.json === res.json ? 0 : 1;
  }
  return res.ok ? 0 : 1;
}

/** Runs the real binary on a sample input: exit 0 with JSON on stdout, or exit 2 with exactly one line on stderr. */
function cliCheck(dir, cli, index, bytes, sample) {
  return new Promise((resolve) => {
    const file = join(dir, `case-${index}.pcap`);
    // Every other sample goes in gzip-compressed (the CLI decompresses by magic), half of those cut short.
    const form = sample % 4;
    const gz = form === 1 || form === 3 ? gzipSync(bytes) : null;
    writeFileSync(file, gz === null ? bytes : form === 3 ? gz.subarray(0, Math.max(2, gz.length >> 1)) : gz);
    execFile(process.execPath, [cli, '--json', file], { maxBuffer: 256 * 1024 * 1024, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      rmSync(file, { force: true });
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      if (code === 0) {
        try {
          JSON.parse(stdout);
        } catch {
          return resolve(`exit 0 but stdout is not JSON (${stdout.length} chars)`);
        }
        if (stderr !== '') return resolve(`exit 0 but stderr is not empty: ${JSON.stringify(stderr.slice(0, 300))}`);
        return resolve(null);
      }
      if (code === 2) {
        if (stdout !== '') return resolve(`exit 2 but stdout is not empty`);
        if (!/^[^\n]+\n$/.test(stderr)) return resolve(`exit 2 but stderr is not exactly one line: ${JSON.stringify(stderr.slice(0, 300))}`);
        return resolve(null);
      }
      resolve(`exit ${code ?? err.signal ?? err.code}: ${JSON.stringify(stderr.slice(0, 500))}`);
    });
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.case !== null || o.replay !== null || o.save !== null) process.exit(await single(o));

  const t0 = Date.now();
  const deadline = o.minutes !== null ? t0 + o.minutes * 60_000 : null;
  const end = o.minutes !== null ? Number.MAX_SAFE_INTEGER : o.start + o.cases;
  const cliDir = mkdtempSync(join(tmpdir(), 'amqpscope-fuzz-'));
  // Test a private snapshot of dist/: a rebuild by someone else during a long run must not change the code under
  // test half-way (or catch it half-written). Inside the tree, so that the CLI still finds node_modules.
  const dist = join(OUT, `dist-${process.pid}`);
  mkdirSync(OUT, { recursive: true });
  cpSync(DIST, dist, { recursive: true });
  const failures = new Map(); // signature -> { count, first: [case indices] }
  let failed = 0;
  let peakRss = 0;
  let slowest = { ms: 0, index: -1, description: '' };
  const outcomes = {};
  let cliRuns = 0;
  let cliSamples = 0;
  let cliFailures = 0;
  const cliQueue = [];
  let cliBusy = null;
  let doneBefore = 0; // cases completed by earlier workers
  let next = o.start;
  const log = (s) => {
    if (!o.quiet) console.log(s);
  };

  const record = (index, description, error, stack, sig, bytes) => {
    failed++;
    let f = failures.get(sig);
    if (f === undefined) failures.set(sig, (f = { count: 0, cases: [] }));
    f.count++;
    if (f.cases.length < 5) {
      f.cases.push(index);
      mkdirSync(OUT, { recursive: true });
      const base = join(OUT, `failure-${o.seed}-${index}`);
      if (bytes !== undefined) writeFileSync(`${base}.bin`, bytes);
      writeFileSync(`${base}.txt`, `seed ${o.seed} case ${index}\nstrategy: ${description}\nreproduce: node scripts/fuzz.js --seed ${o.seed} --case ${index}\n\n${error}\n\n${stack}\n`);
    }
    console.log(`FAIL case ${index} (${description}): ${error}`);
  };

  const pumpCli = () => {
    if (cliBusy !== null || cliQueue.length === 0) return;
    const job = cliQueue.shift();
    cliBusy = cliCheck(cliDir, join(dist, 'cli.js'), job.index, job.bytes, job.sample).then((problem) => {
      cliRuns++;
      if (problem !== null) {
        cliFailures++;
        record(job.index, `${job.description} [CLI]`, `CLI: ${problem}`, '', `cli: ${problem.replace(/\d+/g, 'N').slice(0, 80)}`, job.bytes);
      }
      cliBusy = null;
      pumpCli();
    });
  };

  const mergeOutcomes = (into, from) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };

  const sampleRss = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peakRss) peakRss = rss;
    return rss;
  };

  let rssFlagged = false;
  // Ctrl-C (or SIGTERM) stops the run after the current case and still prints the summary.
  let stopping = false;
  let current = null;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    current?.terminate();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const corpus = loadCorpus(CAPTURES);
  log(`fuzz: seed ${o.seed}, cases ${o.start}..${o.minutes !== null ? `(for ${o.minutes} min)` : end - 1}, ${corpus.length} seed captures, CLI every ${o.cliEvery || 'never'}`);

  while (!stopping && next < end && (deadline === null || Date.now() < deadline)) {
    const progress = new SharedArrayBuffer(16);
    const shared = new Float64Array(progress);
    shared[0] = next;
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { seed: o.seed, from: next, to: end, deadline, slowMs: o.slowMs, cliEvery: o.cliEvery, progress, dist },
      resourceLimits: { maxOldGenerationSizeMb: o.heapMb },
    });
    current = worker;
    let stats = { slowest: { ms: 0 }, outcomes: {} };
    const result = await new Promise((resolve) => {
      let lastCase = -1;
      let lastChange = Date.now();
      let lastLog = Date.now();
      const timer = setInterval(() => {
        const now = Date.now();
        const cur = shared[0];
        const rss = sampleRss();
        if (rss > o.rssMb * 1024 * 1024 && !rssFlagged) {
          rssFlagged = true;
          record(cur, '(memory)', `RSS ${(rss / 2 ** 20).toFixed(0)} MB above the ${o.rssMb} MB bound during case ${cur}`, '', 'rss', undefined);
        }
        if (cur !== lastCase) {
          lastCase = cur;
          lastChange = now;
        } else if (now - lastChange > o.hangMs) {
          clearInterval(timer);
          worker.terminate();
          resolve({ kind: 'hang', index: cur });
          return;
        }
        if (now - lastLog >= 10_000) {
          lastLog = now;
          const done = doneBefore + shared[1];
          const rate = done / ((now - t0) / 1000);
          log(`  ${done} cases, ${failed} failures, ${rate.toFixed(0)}/s, RSS ${(rss / 2 ** 20).toFixed(0)} MB (peak ${(peakRss / 2 ** 20).toFixed(0)}), slowest ${Math.max(slowest.ms, stats.slowest.ms).toFixed(0)} ms, CLI ${cliRuns}`);
        }
      }, 250);
      worker.on('message', (m) => {
        if (m.type === 'failure') record(m.index, m.description, m.error, m.stack, m.signature, m.bytes);
        else if (m.type === 'cli') {
          if (cliQueue.length < 50) cliQueue.push({ ...m, sample: cliSamples++ });
          pumpCli();
        } else if (m.type === 'stats') stats = m;
      });
      worker.on('error', (e) => {
        clearInterval(timer);
        resolve({ kind: 'died', index: shared[0], error: e });
      });
      worker.on('exit', () => {
        clearInterval(timer);
        resolve({ kind: 'exit' });
      });
    });
    doneBefore += shared[1];
    mergeOutcomes(outcomes, stats.outcomes);
    if (stats.slowest.ms > slowest.ms) slowest = stats.slowest;
    if (result.kind === 'exit' || stopping) break;
    // A hang or a dead worker: record the case (rebuilt here: cases are deterministic) and go on after it.
    const index = result.index;
    const c = makeCase(corpus, o.seed, index);
    const msg = result.kind === 'hang' ? `hang: no result after ${o.hangMs} ms` : `worker died: ${describeError(result.error)}`;
    record(index, c.description, msg, result.error?.stack ?? '', result.kind === 'hang' ? 'hang' : `died: ${result.error?.code ?? describeError(result.error)}`, c.bytes);
    doneBefore += 1;
    next = index + 1;
  }
  while (cliBusy !== null || cliQueue.length > 0) {
    pumpCli();
    await cliBusy;
  }
  sampleRss();
  rmSync(cliDir, { recursive: true, force: true });
  rmSync(dist, { recursive: true, force: true });

  const total = doneBefore;
  const secs = (Date.now() - t0) / 1000;
  console.log(`\noutcomes: ${Object.entries(outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`CLI samples: ${cliRuns}, ${cliFailures} failing`);
  console.log(`time ${secs.toFixed(0)} s, ${(total / secs).toFixed(0)} cases/s; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB; slowest case ${slowest.ms.toFixed(0)} ms (case ${slowest.index}: ${slowest.description})`);
  for (const [sig, f] of failures) console.log(`  ${f.count} x ${sig}\n      cases ${f.cases.join(', ')}`);
  console.log(`seed ${o.seed}, cases ${o.start}..${o.start + total - 1}: ${total} cases, ${failed} failures`);
  process.exit(failed > 0 ? 1 : 0);
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
} else {
  workerMain().catch((e) => {
    parentPort.postMessage({ type: 'failure', index: -1, description: '(worker start)', error: describeError(e), stack: e?.stack ?? '', signature: 'worker start' });
  });
}

/**
 * The bytes users get: the built CLI's stdout for `amqpscope captures/X --json` is the committed golden JSON byte
 * for byte, on every capture. The CLI does not print JSON.stringify(report) (what test/golden.test.ts compares): it
 * streams each finished connection's stored, deflated JSON text into the report (Analyzer.writeJson), so this is
 * the test of that path. Likewise the terminal report at 80 columns without colour.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallCaptures } from './helpers/captures.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const GOLDEN = join(ROOT, 'test', 'golden');

/** stdout of the built CLI run from the repository root, as bytes, with its exit status and stderr. */
function cli(args: string[]): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '' } });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr }));
  });
}

describe('the CLI prints the golden bytes', () => {
  for (const name of smallCaptures()) {
    it(name, async () => {
      const [json, text] = await Promise.all([cli([`captures/${name}`, '--json']), cli([`captures/${name}`, '--width', '80', '--no-color'])]);
      expect(json.stderr).toBe('');
      // Bytes, not parsed JSON: key order, escapes, number spelling and the final newline all count.
      expect(json.stdout.equals(readFileSync(join(GOLDEN, `${name}.json`))), `${name}: --json stdout differs from test/golden/${name}.json`).toBe(true);
      expect(text.stdout.toString('utf8')).toBe(readFileSync(join(GOLDEN, `${name}.80.txt`), 'utf8'));
    });
  }
});

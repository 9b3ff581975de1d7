/**
 * The CI rule for tests that need tshark, editcap or xz (test/helpers/tools.ts): skipped without the tool on a
 * developer's machine, failed with a message naming it when CI is set. Checked by hiding the tools (a PATH with
 * nothing on it), both in the decision itself and end to end in a vitest run of a test file that needs tshark.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inCi, toolDecision } from './helpers/tools.js';

const empty = mkdtempSync(join(tmpdir(), 'amqpscope-no-tools-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));
const hidden = (ci: string | undefined) => ({ ...process.env, PATH: empty, CI: ci });

describe('tests that need an outside tool', () => {
  it('are failed, naming the tool, when CI is set and the tool is missing', () => {
    for (const ci of ['true', '1', 'yes']) {
      const d = toolDecision(['tshark', 'xz'], hidden(ci));
      expect(d.action, ci).toBe('fail');
      expect(d.action === 'fail' && d.message).toMatch(/^tshark, xz not found on PATH, and CI is set/);
    }
  });

  it('are skipped when the tool is missing and CI is not set', () => {
    for (const ci of [undefined, '', '0', 'false']) expect(toolDecision(['editcap'], hidden(ci)), String(ci)).toEqual({ action: 'skip', missing: ['editcap'] });
  });

  it('run when the tool is there (on CI, .ci/run installed them)', () => {
    const d = toolDecision(['tshark', 'editcap', 'xz']);
    if (inCi()) expect(d).toEqual({ action: 'run' });
    else expect(d.action).not.toBe('fail');
  });

  it('end to end: a vitest run of real-captures.test.ts without tshark fails under CI and skips otherwise', () => {
    const vitest = join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs');
    const run = (ci: string | undefined) =>
      spawnSync(process.execPath, [vitest, 'run', 'test/capture/real-captures.test.ts', '--reporter=verbose'], {
        cwd: join(import.meta.dirname, '..'),
        env: hidden(ci),
        encoding: 'utf8',
      });
    const onCi = run('true');
    expect(onCi.status).toBe(1);
    expect(onCi.stdout).toMatch(/tshark not found on PATH, and CI is set/);
    expect(onCi.stdout).toMatch(/editcap not found on PATH, and CI is set/);
    const local = run(undefined);
    expect(local.status, local.stdout + local.stderr).toBe(0);
    expect(local.stdout).toMatch(/agreement with tshark \(needs tshark\)/);
  }, 60_000);
});

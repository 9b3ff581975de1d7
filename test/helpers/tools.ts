/**
 * Tests that need an outside tool (tshark, editcap, xz). Without the tool such a test is skipped on a developer's
 * machine, but when the CI environment variable is set (as on CI, where .ci/run installs tshark and xz-utils before
 * `npm test`), it runs and fails with a message naming the missing tool: a green CI means these tests ran.
 * The README's "Tests" section lists which tests need which tool.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** The outside tools tests may need; each is checked by running it with the argument given. */
export const TOOLS = { tshark: '--version', editcap: '--version', xz: '--version' } as const;
export type Tool = keyof typeof TOOLS;

const found = new Map<string, boolean>();

/** Whether `tool` runs from PATH (or from the PATH in `env`). */
export function haveTool(tool: Tool, env: NodeJS.ProcessEnv = process.env): boolean {
  const key = `${tool}\0${env['PATH'] ?? ''}`;
  let ok = found.get(key);
  if (ok === undefined) {
    const r = spawnSync(tool, [TOOLS[tool]], { stdio: 'ignore', env });
    ok = r.error === undefined && r.status === 0;
    found.set(key, ok);
  }
  return ok;
}

/** Whether the CI environment variable is set (to anything but '', '0' or 'false'). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export type ToolDecision = { action: 'run' } | { action: 'skip'; missing: Tool[] } | { action: 'fail'; message: string };

/** What to do with a test that needs `tools`: run it, skip it (tool missing, not CI), or fail it (missing on CI). */
export function toolDecision(tools: readonly Tool[], env: NodeJS.ProcessEnv = process.env): ToolDecision {
  const missing = tools.filter((t) => !haveTool(t, env));
  if (missing.length === 0) return { action: 'run' };
  if (!inCi(env)) return { action: 'skip', missing };
  return {
    action: 'fail',
    message: `${missing.join(', ')} not found on PATH, and CI is set: this test must run on CI (.ci/run installs tshark and xz-utils; see the README, "Tests")`,
  };
}

/** `it`, for a test that needs `tools`. */
export function itNeeds(tools: readonly Tool[], name: string, fn: () => void | Promise<void>, timeout?: number): void {
  const d = toolDecision(tools);
  if (d.action === 'run') it(name, fn, timeout);
  else if (d.action === 'skip') it.skip(`${name} (needs ${d.missing.join(', ')})`, fn);
  else
    it(name, () => {
      throw new Error(d.message);
    });
}

/** `describe`, for a group of tests that all need `tools` (on a failure, one failing test stands for the group). */
export function describeNeeds(tools: readonly Tool[], name: string, body: () => void): void {
  const d = toolDecision(tools);
  if (d.action === 'run') describe(name, body);
  else if (d.action === 'skip') describe.skip(`${name} (needs ${d.missing.join(', ')})`, body);
  else
    describe(name, () => {
      it(`needs ${tools.join(', ')}`, () => {
        throw new Error(d.message);
      });
    });
}

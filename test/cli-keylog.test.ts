/** The CLI's key log files (src/cli-keylog.ts): several files, SSLKEYLOGFILE's leniency, a followed file that grows. */
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeyLogs } from '../src/cli-keylog.js';

const SECRET = 'cd'.repeat(48);
const random = (i: number) => i.toString(16).padStart(64, '0');
const line = (i: number) => `CLIENT_RANDOM ${random(i)} ${SECRET}\n`;
const has = (log: { secret: (l: 'CLIENT_RANDOM', r: Uint8Array) => Uint8Array | null }, i: number) => log.secret('CLIENT_RANDOM', Buffer.from(random(i), 'hex')) !== null;

describe('key log files', () => {
  it('reads several files as one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-kl-'));
    writeFileSync(join(dir, 'a'), line(1));
    writeFileSync(join(dir, 'b'), line(2));
    const k = loadKeyLogs([join(dir, 'a'), join(dir, 'b')], undefined, false, () => {})!;
    expect([has(k.log, 1), has(k.log, 2)]).toEqual([true, true]);
  });

  it('followed: reads what was appended, only whole lines, and a file replaced by a larger one from its start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-kl-'));
    const path = join(dir, 'keys');
    writeFileSync(path, line(1));
    const warnings: string[] = [];
    const k = loadKeyLogs([path], undefined, true, (w) => warnings.push(w))!;
    expect(warnings).toEqual([]);
    const half = line(2);
    appendFileSync(path, half.slice(0, 40));
    expect(k.log.grow!()).toBe(false);
    appendFileSync(path, half.slice(40));
    expect(k.log.grow!()).toBe(true);
    expect(has(k.log, 2)).toBe(true);
    // Rotated: another file, larger than what was read of the old one.
    writeFileSync(join(dir, 'new'), line(7) + line(8) + line(9));
    renameSync(join(dir, 'new'), path);
    expect(k.log.grow!()).toBe(true);
    expect([has(k.log, 7), has(k.log, 8), has(k.log, 9)]).toEqual([true, true, true]);
  });

  it('followed: a missing file is waited for, with one warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amqpscope-kl-'));
    const path = join(dir, 'later');
    const warnings: string[] = [];
    const k = loadKeyLogs([], path, true, (w) => warnings.push(w))!;
    expect(warnings).toEqual([`SSLKEYLOGFILE: cannot read the key log '${path}' (ENOENT): it is read again when a TLS connection needs its keys`]);
    writeFileSync(path, line(3));
    expect(k.log.grow!()).toBe(true);
    expect(has(k.log, 3)).toBe(true);
  });
});

/**
 * The pipeline's layers show in the folders, and lower layers never import higher ones:
 * capture -> net -> tcp -> tls -> amqp -> timeline -> diagnosis -> report -> render. Only cli.ts touches the process.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const LAYERS = ['capture', 'net', 'tcp', 'tls', 'amqp', 'timeline', 'diagnosis', 'report', 'render'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('layers', () => {
  const files = sources(SRC);

  it('no module imports a higher layer', () => {
    const upward: string[] = [];
    for (const file of files) {
      const layer = relative(SRC, file).split('/')[0]!;
      const rank = LAYERS.indexOf(layer);
      if (rank < 0) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/from '((?:\.\.\/)+)([a-z-]+)\//g)) {
        const dep = LAYERS.indexOf(m[2]!);
        if (dep > rank) upward.push(`${relative(SRC, file)} imports ${m[2]}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('only the CLI writes to the terminal or exits; no module below it reads the clock', () => {
    const offenders = files
      .filter((f) => !f.endsWith('/cli.ts'))
      .filter((f) => /\b(console\.|process\.(exit|stdout|stderr|argv)|Date\.now\(\))/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});

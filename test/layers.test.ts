/**
 * The pipeline's layers show in the folders, and lower layers never import higher ones:
 * capture -> net -> tcp -> tls -> amqp -> timeline -> diagnosis -> fleet -> report -> live -> render. Only cli.ts touches the process
 * (process.stdin included) or the console.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const LAYERS = ['capture', 'net', 'tcp', 'tls', 'amqp', 'timeline', 'diagnosis', 'fleet', 'report', 'live', 'render'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Source text without its comments (a comment may name process.stdin to say who reads it). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('layers', () => {
  const files = sources(SRC);

  it('has every folder of src/ in its order (a new folder cannot escape the check)', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
  });

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

  it('only the CLI touches the process (stdin, stdout, stderr, argv, exit, env, ...) or the console; no module below it reads the clock', () => {
    const offenders = files
      .filter((f) => !f.endsWith('/cli.ts'))
      .flatMap((f) => [...code(readFileSync(f, 'utf8')).matchAll(/\b(console\.\w+|process\.\w+|Date\.now\(\))/g)].map((m) => `${relative(SRC, f)}: ${m[1]}`));
    expect(offenders).toEqual([]);
  });

  it('sees process.stdin in code but not in comments (the check above cannot pass vacuously)', () => {
    const found = (text: string) => [...code(text).matchAll(/\b(process\.\w+)/g)].map((m) => m[1]);
    expect(found('const s = opts.stdin ?? process.stdin;')).toEqual(['process.stdin']);
    expect(found('if (x === process.stdin && process.stdin.isTTY) {}')).toEqual(['process.stdin', 'process.stdin']);
    expect(found('// default process.stdin\n/** reads process.stdin */\nconst a = 1;')).toEqual([]);
  });
});

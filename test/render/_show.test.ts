import { it } from 'vitest';
import { renderTerminal } from '../../src/render/terminal.js';
import { connection, healthyConnection, report } from './report-fixture.js';
it('show', () => {
  const w = Number(process.env['W'] ?? 100);
  process.stdout.write(renderTerminal(report([connection(), healthyConnection()]), { width: w, color: false, all: false }) + '\n');
});

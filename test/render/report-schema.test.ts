/**
 * docs/report.schema.json: it must describe every report amqpscope writes (synthetic ones here, and the real
 * captures in captures/), reject broken ones, and carry the same vocabularies as src/diagnosis/types.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/analyze.js';
import { CAUSES, FINDING_CODES, VERDICTS } from '../../src/diagnosis/types.js';
import type { Report } from '../../src/report/types.js';
import { formatErrors, validate, type JsonSchema } from '../helpers/json-schema.js';
import { connection, elided, healthyConnection, report } from './report-fixture.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = JSON.parse(readFileSync(`${root}docs/report.schema.json`, 'utf8')) as JsonSchema & { $defs: Record<string, { enum?: unknown[] }> };

function expectValid(value: unknown): void {
  const errors = validate(schema, value);
  expect(errors, formatErrors(errors.slice(0, 10))).toEqual([]);
}

/** A JSON round trip: what --json prints. */
function json(r: Report): unknown {
  return JSON.parse(JSON.stringify(r));
}

describe('docs/report.schema.json', () => {
  it('is a draft 2020-12 schema with descriptions', () => {
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' });
    for (const [name, def] of Object.entries(schema.$defs)) {
      const d = def as Record<string, unknown>;
      if (!['t', 'at', 'packet', 'count'].includes(name)) expect(typeof d['description'], `$defs/${name} has a description`).toBe('string');
    }
  });

  it('has the vocabularies of src/diagnosis/types.ts', () => {
    expect(schema.$defs['verdict']!.enum).toEqual([...VERDICTS]);
    expect(schema.$defs['cause']!.enum).toEqual([...CAUSES]);
    expect(schema.$defs['findingCode']!.enum).toEqual([...FINDING_CODES]);
    expect(schema.$defs['severity']!.enum).toEqual(['info', 'warning', 'error']);
    expect(schema.$defs['dir']!.enum).toEqual(['c2s', 's2c']);
    expect(schema.$defs['endHow']!.enum).toEqual(['amqp-close', 'fin', 'rst', 'timeout', null]);
  });

  it('accepts synthetic reports', () => {
    const withElision = connection({ timeline: [...connection().timeline, elided(13, 99)] });
    expectValid(json(report([connection(), healthyConnection(), withElision])));
    expectValid(json(report([])));
    expectValid(
      json(
        report([connection()], {
          findings: [{ t: 1, at: '2026-11-22T02:10:12.620000Z', packet: 40, code: 'redelivered-after-close', severity: 'warning', message: 'm', from: 'a:1->b:2', to: 'c:3->b:2', count: 2 }],
        }),
      ),
    );
    // Field tables with every special value.
    const props = { d: { type: 'decimal', scale: 2, value: 314 }, ts: { type: 'timestamp', seconds: 1700000000 }, b: { type: 'bytes', hex: '00ff', length: 2 }, big: { type: 'int64', value: '9007199254740993' }, list: [1, 'a', null, { nested: true }] } as const;
    expectValid(json(report([connection({ clientProperties: props as never })])));
  });

  it('rejects broken reports', () => {
    const good = json(report()) as Record<string, any>;
    const broken = (mutate: (r: Record<string, any>) => void): unknown => {
      const r = structuredClone(good);
      mutate(r);
      return r;
    };
    const cases: [string, unknown, RegExp][] = [
      ['bad verdict', broken((r) => (r.connections[0].end.verdict = 'died')), /verdict/],
      ['bad severity', broken((r) => (r.connections[0].severity = 'fatal')), /severity/],
      ['bad finding code', broken((r) => (r.connections[0].findings[0].code = 'made-up')), /code/],
      ['bad event kind', broken((r) => (r.connections[0].timeline[0].kind = 'udp')), /kind/],
      ['bad dir', broken((r) => (r.connections[0].timeline[0].dir = 'up')), /dir/],
      ['missing id', broken((r) => delete r.connections[0].id), /missing required property 'id'/],
      ['missing explanation', broken((r) => delete r.connections[0].end.explanation), /explanation/],
      ['string packet', broken((r) => (r.connections[0].end.packet = '35')), /packet: expected integer/],
      ['packet 0', broken((r) => (r.connections[0].timeline[0].packet = 0)), /minimum 1/],
      ['bad at', broken((r) => (r.capture.start = 'yesterday')), /start/],
      ['unknown field', broken((r) => (r.connections[0].colour = 'red')), /not allowed/],
      // Every verdict's evidence field is listed: one added without its description fails here.
      ['undocumented end evidence', broken((r) => (r.connections[0].end.colour = 'red')), /end.*colour.*not allowed|not allowed/],
      ['wrong tool', broken((r) => (r.tool.name = 'other')), /name/],
      ['negative count', broken((r) => (r.connections[0].frames.clientToServer = -1)), /minimum 0/],
    ];
    for (const [name, value, message] of cases) {
      const errors = validate(schema, value);
      expect(errors.length, name).toBeGreaterThan(0);
      expect(formatErrors(errors), name).toMatch(message);
    }
  });

  const captures = readdirSync(`${root}captures`).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f));
  it.each(captures)('accepts the real report of captures/%s', async (file) => {
    const r = await analyzeFile(`${root}captures/${file}`);
    expect(r.connections.length).toBeGreaterThan(0);
    expectValid(json(r));
  });
});

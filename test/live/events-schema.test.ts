/**
 * Every live event of every real capture, as --follow --json writes it (render/live.ts liveJson), against
 * docs/report.schema.json's `liveEvent`: the four event types of report-contract.md, each field as documented, no
 * field the schema does not know (additionalProperties false), so that the schema cannot drift from the output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze.js';
import type { LiveEvent } from '../../src/live/types.js';
import { liveJson } from '../../src/render/live.js';
import { captureBytes, keyLogOf, smallCaptures } from '../helpers/captures.js';
import { formatErrors, validate, type JsonSchema } from '../helpers/json-schema.js';

const SCHEMA = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'report.schema.json'), 'utf8')) as { $defs: Record<string, JsonSchema> };
const LIVE_EVENT: JsonSchema = { $defs: SCHEMA.$defs, $ref: '#/$defs/liveEvent' };

describe('live events against docs/report.schema.json#/$defs/liveEvent', () => {
  const seen = new Map<string, number>();
  for (const name of smallCaptures()) {
    it(name, () => {
      const lines: object[] = [];
      const a: Analyzer = new Analyzer({ keyLog: keyLogOf(name), onLive: (e: LiveEvent) => lines.push(liveJson(e, a.liveStatus())) });
      a.push(captureBytes(name));
      const end = a.liveStatus();
      a.end();
      if (end !== null) lines.push(end);
      for (const line of lines) {
        const errors = validate(LIVE_EVENT, JSON.parse(JSON.stringify(line)));
        expect(errors, `${JSON.stringify(line).slice(0, 300)}\n${formatErrors(errors.slice(0, 5))}`).toEqual([]);
        const kind = 'alert' in line ? `status+${(line.alert as { type: string }).type}` : (line as { type: string }).type;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }
    });
  }

  it('covered every kind of event, alerts included', () => {
    expect([...seen.keys()].sort()).toEqual(['ended', 'opened', 'silence', 'status', 'status+no-ack', 'status+refused', 'status+unanswered']);
  });
});

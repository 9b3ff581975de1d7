/**
 * The facts captures/README.md states, asserted exactly from the README's own table ("Facts per connection"): per
 * connection the verdict, cause, end packet, last client frame, frame counts, the exact set of findings with their
 * severities, and the number of deliveries left unacked. The table is parsed here, so the README and the tests
 * cannot drift apart; and where the README's prose rows state the same fact (the last client frame's packet, an
 * unacked count), the prose must agree with the table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURES_DIR, analyzeCapture, keyLogOf, smallCaptures } from '../helpers/captures.js';

const README = readFileSync(join(CAPTURES_DIR, 'README.md'), 'utf8');

interface Fact {
  file: string;
  /** The client's address, given where two clients of one capture used the same port ("127.0.0.42:52407"). */
  address: string | null;
  port: number;
  /** The connection's first packet, given where two connections share the client's address and port ("40000 @49"). */
  opened: number | null;
  verdict: string;
  cause: string | null;
  end: number;
  lastClientFrame: string | null;
  frames: string;
  findings: string[];
  unacked: number;
}

const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
const unquote = (c: string) => c.replace(/^`|`$/g, '');

/** The rows of the "Facts per connection" table. */
export function readmeFacts(text: string): Fact[] {
  const section = text.slice(text.indexOf('## Facts per connection'));
  const lines = section.split('\n').filter((l) => l.startsWith('| `'));
  return lines.map((l) => {
    const [file, portCell, verdict, cause, end, last, frames, findings, unacked] = cells(l);
    const [port, opened] = portCell!.split(' @');
    return {
      file: unquote(file!),
      address: port!.includes(':') ? port!.slice(0, port!.lastIndexOf(':')) : null,
      port: Number(port!.slice(port!.lastIndexOf(':') + 1)),
      opened: opened === undefined ? null : Number(opened),
      verdict: unquote(verdict!),
      cause: cause === '-' ? null : unquote(cause!),
      end: Number(end),
      lastClientFrame: last === 'none' ? null : last!,
      frames: frames!,
      findings: findings === 'none' ? [] : findings!.split(', ').map((f) => f.replace(/`/g, '')),
      unacked: Number(unacked),
    };
  });
}

/** The prose row (first two tables) describing a capture file. */
function proseRow(file: string): string {
  const head = README.slice(0, README.indexOf('## Facts per connection'));
  // An AMQPS capture's row names its key log too: "| `x.pcap` (+ `.keys`) |".
  const row = head.split('\n').find((l) => l.startsWith(`| \`${file}\` |`) || l.startsWith(`| \`${file}\` (+ `)) ?? '';
  // A derived capture whose analysis is "exactly" that of another: that one's row states its facts.
  const same = /Exactly the analysis of `([^`]+)`/.exec(row);
  return same !== null ? proseRow(same[1]!) : row;
}

const FACTS = readmeFacts(README);

describe('captures/README.md facts, exactly', () => {
  it('has a row for every connection of every capture', () => {
    expect(FACTS.length).toBeGreaterThan(40);
    expect(new Set(FACTS.map((f) => f.file))).toEqual(new Set(smallCaptures()));
    for (const file of smallCaptures()) {
      expect(analyzeCapture(file).report.connections.map((c) => c.client.port).sort(), file).toEqual(
        FACTS.filter((f) => f.file === file).map((f) => f.port).sort(),
      );
    }
  });

  for (const f of FACTS) {
    it(`${f.file} ${f.address ?? ''}:${f.port}${f.opened === null ? '' : ` @${f.opened}`}: ${f.verdict}, ${f.findings.length} finding(s), ${f.unacked} unacked`, () => {
      const c = analyzeCapture(f.file, { keyLog: keyLogOf(f.file) }).report.connections.find(
        (x) => x.client.port === f.port && (f.address === null || x.client.address === f.address) && (f.opened === null || x.opened.packet === f.opened),
      )!;
      const unacked = c.findings.find((x) => x.code === 'unacked-at-close');
      expect({
        verdict: c.end.verdict,
        cause: c.end.cause,
        end: c.end.packet,
        lastClientFrame: c.lastClientFrame === null ? null : `${c.lastClientFrame.type} (${c.lastClientFrame.packet})`,
        frames: `${c.frames.clientToServer}/${c.frames.serverToClient}`,
        findings: c.findings.map((x) => `${x.code} ${x.severity}`).sort(),
        unacked: unacked === undefined ? 0 : unacked['count'],
      }).toEqual({
        verdict: f.verdict,
        cause: f.cause,
        end: f.end,
        lastClientFrame: f.lastClientFrame,
        frames: f.frames,
        findings: [...f.findings].sort(),
        unacked: f.unacked,
      });
    });
  }

  it('agrees with the prose rows where they state the same fact', () => {
    let checked = 0;
    for (const f of FACTS) {
      const prose = proseRow(f.file);
      expect(prose, f.file).not.toBe('');
      const single = new Set(FACTS.filter((x) => x.file === f.file).map((x) => x.port)).size === 1;
      // The client's last frame, as "Last client frame <type> at t=... (packet N)" (not "... before the close").
      const last = /Last client frame:? (?:the malformed )?([A-Z][\w.-]+) at t=[\d.]+ \(packet (\d+)\)/.exec(prose);
      if (last !== null && single && f.lastClientFrame !== null) {
        expect(f.lastClientFrame, f.file).toBe(`${last[1]}${f.lastClientFrame.includes('(malformed)') ? ' (malformed)' : ''} (${last[2]})`);
        checked++;
      }
      if (f.unacked > 0) {
        expect(prose, `${f.file}: the prose says ${f.unacked} unacked`).toMatch(new RegExp(`\\b${f.unacked}\\b[^|.]{0,40}unacked`));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8);
  });
});

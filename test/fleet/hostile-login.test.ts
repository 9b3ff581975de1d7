/**
 * A login user is a wire string any client chooses: in the fleet's refusal sentence, the connection's explanation
 * and its `user`, it reaches the terminal, HTML and Markdown as inert text. Synthetic: three connections logging in
 * as a user made of markup and a bidirectional override, each refused with 403 right after Start-Ok (as in
 * fleet-login-refused-storm.pcap), 1 s apart.
 */
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../../src/analyze.js';
import { renderHtml } from '../../src/render/html/page.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderTerminal } from '../../src/render/terminal.js';
import { PROTOCOL_HEADER } from '../helpers/amqp-conversation.js';
import { field, longstr, methodFrame, shortstr, table, u16, u8 } from '../helpers/amqp-encode.js';
import { Conversation } from '../helpers/conversation.js';
import { writePcap } from '../helpers/synth-capture.js';

// Markup and a right-to-left override (control characters are refused as no user name: test/amqp/login.test.ts).
const USER = '<img src=x onerror=alert(7)>\u202e';

function refusedLogins(): Uint8Array {
  const packets = [];
  for (let i = 0; i < 3; i++) {
    const c = new Conversation({ client: '10.0.0.5', server: '10.0.0.10', clientPort: 41000 + i });
    let t = i;
    c.at(t).handshake();
    const steps: ['c' | 's', Uint8Array][] = [
      ['c', PROTOCOL_HEADER],
      ['s', methodFrame(0, 10, 10, u8(0), u8(9), table(field('product', 'S', longstr('RabbitMQ'))), longstr('PLAIN AMQPLAIN'), longstr('en_US'))],
      ['c', methodFrame(0, 10, 11, table(field('connection_name', 'S', longstr(`svc:10${i}:x`))), shortstr('PLAIN'), longstr(`\u0000${USER}\u0000hunter2`), shortstr('en_US'))],
      ['s', methodFrame(0, 10, 50, u16(403), shortstr('ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN.'), u16(0), u16(0))],
    ];
    for (const [side, bytes] of steps) c.at((t += 0.001)).send(side, bytes).ack(side === 'c' ? 's' : 'c');
    c.at((t += 0.001)).fin('c');
    c.at((t += 0.001)).rst('s');
    packets.push(...c.packets);
  }
  packets.sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
  return writePcap(packets);
}

describe('a hostile login user', () => {
  const report = analyzeBytes(refusedLogins());

  it('is read (never the password) and told in the refusal', () => {
    expect(report.connections.map((c) => c.user)).toEqual([USER, USER, USER]);
    expect(report.fleet.handshakeRefusals).toEqual([expect.objectContaining({ count: 3, reason: 'login', users: [USER] })]);
    expect(report.fleet.headline.join(' ')).toContain(`the login of user '${USER}' was refused`);
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });

  it('reaches no renderer as markup or a control sequence', () => {
    const terminal = renderTerminal(report, { width: 100, color: false, all: false });
    expect(terminal).not.toContain('\u202e');
    expect(terminal).toContain('<img src=x onerror=alert(7)>');
    const html = renderHtml(report);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(7)&gt;');
    const markdown = renderMarkdown(report);
    expect(markdown).not.toMatch(/(?<!\\)<img/);
    expect(markdown).not.toContain('\u202e');
  });
});

describe('--merge of a report written before the user field and handshake refusals', () => {
  it('rebuilds its fleet (one report alone too) and reads its connections without user', async () => {
    const { mergeReports } = await import('../../src/report/merge.js');
    const { analyzeCapture } = await import('../helpers/captures.js');
    const fresh = analyzeCapture('fleet-connection-limit.pcap').report;
    const old = structuredClone(fresh) as unknown as { fleet: Record<string, unknown>; connections: Record<string, unknown>[] };
    delete old.fleet['handshakeRefusals'];
    delete old.fleet['handshakeRefusalsOmitted'];
    for (const c of old.connections) delete c['user'];
    const merged = mergeReports([old as unknown as typeof fresh]);
    expect(merged.fleet.handshakeRefusals).toHaveLength(1);
    expect(merged.fleet.handshakeRefusals[0]).toMatchObject({ count: 53, reason: 'vhost-connection-limit', users: [] });
    expect(merged.connections.every((c) => c.user === null)).toBe(true);
    // The renderers read the new sections: they work on it.
    expect(renderTerminal(merged, { width: 100, color: false, all: false })).toContain('is at its connection limit (4)');
    expect(renderHtml(merged)).toContain('handshake refusals: 53 refused');
    // A current report alone is passed through as it is.
    expect(mergeReports([fresh])).toBe(fresh);
  });
});

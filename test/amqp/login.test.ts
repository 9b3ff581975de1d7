/**
 * The login user from Connection.Start-Ok's SASL response; real responses are in the captures (PLAIN from pika,
 * amqplib and Bunny; AMQPLAIN from kombu): test/fleet/real-captures.test.ts and the goldens' `user`.
 */
import { describe, expect, it } from 'vitest';
import { loginUser } from '../../src/amqp/login.js';

/** An AMQPLAIN table body (shortstr name, 'S', u32 byte length, UTF-8 value), as the decoder hands it over: UTF-8 text. */
function amqplain(entries: [string, string][]): string {
  const bytes: number[] = [];
  for (const [name, value] of entries) {
    const v = new TextEncoder().encode(value);
    bytes.push(name.length, ...new TextEncoder().encode(name), 0x53, (v.length >>> 24) & 255, (v.length >>> 16) & 255, (v.length >>> 8) & 255, v.length & 255, ...v);
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

describe('loginUser', () => {
  it('reads the user of PLAIN (authzid NUL user NUL password) and of AMQPLAIN (LOGIN), never the password', () => {
    expect(loginUser('PLAIN', '\u0000svc\u0000old-secret')).toBe('svc');
    expect(loginUser('PLAIN', 'admin\u0000svc\u0000pw')).toBe('svc');
    expect(loginUser('AMQPLAIN', amqplain([['LOGIN', 'guest'], ['PASSWORD', 'guest']]))).toBe('guest');
    expect(loginUser('AMQPLAIN', amqplain([['PASSWORD', 'x'.repeat(40)], ['LOGIN', 'svc']]))).toBe('svc');
  });

  it('counts AMQPLAIN lengths in bytes: a non-ASCII user name ends where it ends, the password after it is not read', () => {
    for (const user of ['служебныйпользователь', 'サービスアカウントユーザー', 'jürgen']) {
      expect(loginUser('AMQPLAIN', amqplain([['LOGIN', user], ['PASSWORD', 'hunter2-secret']]))).toBe(user);
      expect(loginUser('AMQPLAIN', amqplain([['PASSWORD', 'hunter2-sëcret'], ['LOGIN', user]]))).toBe(user);
      expect(loginUser('PLAIN', `\u0000${user}\u0000hunter2-secret`)).toBe(user);
    }
  });

  it('gives null for other mechanisms and anything malformed', () => {
    expect(loginUser('EXTERNAL', '')).toBeNull();
    expect(loginUser(null, '\u0000a\u0000b')).toBeNull();
    expect(loginUser('PLAIN', null)).toBeNull();
    expect(loginUser('PLAIN', 'no separators')).toBeNull();
    expect(loginUser('PLAIN', '\u0000only-user')).toBeNull();
    expect(loginUser('PLAIN', '\u0000\u0000pw')).toBeNull();
    expect(loginUser('AMQPLAIN', '\u0005LOGINS\u0000\u0000\u0000\u0009short')).toBeNull();
    expect(loginUser('PLAIN', '\u0000a\u0001b\u0000pw')).toBeNull();
    expect(loginUser('AMQPLAIN', '\u0005LOGINX\u0000\u0000\u0000\u0001a')).toBeNull();
    expect(loginUser('AMQPLAIN', amqplain([['PASSWORD', 'p']]))).toBeNull();
    expect(loginUser('AMQPLAIN', '')).toBeNull();
  });

  it('passes hostile names through as text for the renderers to escape, bounded in length', () => {
    expect(loginUser('PLAIN', '\u0000<b>x</b>\u2028\u0000pw')).toBe('<b>x</b>\u2028');
    // An escape sequence is a control character: not a user name.
    expect(loginUser('PLAIN', '\u0000<b>x</b>\u001b[31m\u0000pw')).toBeNull();
    expect(loginUser('PLAIN', `\u0000${'a'.repeat(256)}\u0000pw`)).toBeNull();
    // A length field claiming more than the response holds, and random bytes: no throw, no loop.
    expect(loginUser('AMQPLAIN', '\u0005LOGINS\uffff\uffff\uffff\uffffx')).toBeNull();
    for (let i = 0; i < 2000; i++) {
      let junk = '';
      const n = (i * 7919) % 64;
      for (let k = 0; k < n; k++) junk += String.fromCharCode((i * 31 + k * 17) % 256);
      const u = loginUser(i % 2 === 0 ? 'PLAIN' : 'AMQPLAIN', junk);
      expect(u === null || (u.length > 0 && u.length <= 255)).toBe(true);
    }
  });
});

/**
 * The user a client logs in as, from Connection.Start-Ok's SASL response (AMQP 0-9-1 §1.4.2.2: mechanism and
 * response). Only the user name is read; the password next to it never leaves this function.
 *
 * PLAIN (RFC 4616): authzid NUL authcid NUL passwd. RabbitMQ's rabbit_auth_mechanism_plain splits the response at
 * its NULs and takes the field after the first as the user (clients send an empty authzid).
 * AMQPLAIN (RabbitMQ's own): the body of a field table without its length, with the entries LOGIN and PASSWORD,
 * each a longstr ('S').
 * Other mechanisms (EXTERNAL: the user is the client certificate's subject) carry no user name: null.
 *
 * The response arrives decoded as UTF-8 text (codec.ts: longstr); its length octets are below 0x80 for names under
 * 128 bytes, which is what this reads. Anything malformed gives null.
 */

/** User names longer than this are not reported (RabbitMQ's are short; this bounds what a forged frame can inject). */
const MAX_USER = 255;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function loginUser(mechanism: string | null, response: string | null): string | null {
  if (mechanism === null || response === null) return null;
  const user = mechanism === 'PLAIN' ? plainUser(response) : mechanism === 'AMQPLAIN' ? amqplainUser(response) : null;
  // A name with control characters is no user name RabbitMQ would accept: a misread, or a forgery.
  return user !== null && user.length > 0 && user.length <= MAX_USER && !CONTROL.test(user) ? user : null;
}

function plainUser(response: string): string | null {
  const first = response.indexOf('\u0000');
  if (first < 0) return null;
  const second = response.indexOf('\u0000', first + 1);
  if (second < 0) return null;
  return response.slice(first + 1, second);
}

/**
 * The LOGIN entry of an AMQPLAIN table body: shortstr name, type octet, then (for 'S') a u32 length and the value. The
 * lengths count bytes: the decoded text is encoded back to its UTF-8 bytes (exact for valid UTF-8, which is what
 * the decoder could read), and only the LOGIN value's bytes are decoded again. A value read by characters would run
 * past a non-ASCII user name into the entry after it: the password.
 */
function amqplainUser(response: string): string | null {
  const b = UTF8_OUT.encode(response);
  let at = 0;
  // Each turn moves forward or returns: a table body of two or three entries.
  while (at < b.length) {
    const nameLength = b[at]!;
    const nameStart = at + 1;
    at = nameStart + nameLength;
    if (at + 5 > b.length || b[at] !== TYPE_LONGSTR) return null;
    const length = ((b[at + 1]! << 24) | (b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!) >>> 0;
    const start = at + 5;
    if (length > b.length - start) return null;
    if (nameLength === LOGIN.length && LOGIN.every((c, i) => b[nameStart + i] === c)) return UTF8_IN.decode(b.subarray(start, start + length));
    at = start + length;
  }
  return null;
}

const UTF8_OUT = new TextEncoder();
const UTF8_IN = new TextDecoder('utf-8', { fatal: false });
const TYPE_LONGSTR = 0x53; // 'S'
const LOGIN = [0x4c, 0x4f, 0x47, 0x49, 0x4e]; // "LOGIN"

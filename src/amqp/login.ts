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

export function loginUser(mechanism: string | null, response: string | null): string | null {
  if (mechanism === null || response === null) return null;
  const user = mechanism === 'PLAIN' ? plainUser(response) : mechanism === 'AMQPLAIN' ? amqplainUser(response) : null;
  return user !== null && user.length > 0 && user.length <= MAX_USER ? user : null;
}

function plainUser(response: string): string | null {
  const first = response.indexOf('\u0000');
  if (first < 0) return null;
  const second = response.indexOf('\u0000', first + 1);
  if (second < 0) return null;
  return response.slice(first + 1, second);
}

/** The LOGIN entry of an AMQPLAIN table body: shortstr name, type octet, then (for 'S') a u32 length and the text. */
function amqplainUser(response: string): string | null {
  let at = 0;
  // A table body of two or three entries: a few loop turns at most; each turn moves forward or returns.
  while (at < response.length) {
    const nameLength = response.charCodeAt(at);
    const name = response.slice(at + 1, at + 1 + nameLength);
    at += 1 + nameLength;
    if (response.charAt(at) !== 'S' || at + 5 > response.length) return null;
    let length = 0;
    for (let i = 1; i <= 4; i++) length = length * 256 + response.charCodeAt(at + i);
    const start = at + 5;
    if (length > response.length - start) return null;
    if (name === 'LOGIN') return response.slice(start, start + length);
    at = start + length;
  }
  return null;
}

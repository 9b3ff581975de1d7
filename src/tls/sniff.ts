/**
 * Is this the start of a TLS connection that may carry AMQP? Used by the TCP tracker on ports that are not AMQP
 * ports: a ClientHello record, unless it offers only HTTP in ALPN (a browser's or an HTTP client's connection is
 * not AMQP; RabbitMQ's own AMQPS clients send no ALPN or "amqp").
 */
import { parseClientHello } from './handshake.js';
import { isClientHelloStart } from './stream.js';

const HTTP_ALPN = new Set(['h2', 'h3', 'http/1.1', 'http/1.0', 'spdy/3.1']);

export function mayBeAmqpsClientHello(b: Uint8Array): boolean {
  if (b.length < 6 || !isClientHelloStart(b)) return false;
  const recordEnd = 5 + ((b[3]! << 8) | b[4]!);
  const bodyLength = (b[6]! << 16) | (b[7]! << 8) | b[8]!;
  if (b.length < recordEnd || 9 + bodyLength > recordEnd) return true; // not all here: the record header decides
  const hello = parseClientHello(b.subarray(9, 9 + bodyLength));
  if (hello === null || hello.alpn === null) return true;
  return !hello.alpn.every((p) => HTTP_ALPN.has(p));
}

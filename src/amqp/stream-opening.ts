/**
 * The first 8 bytes of a stream direction: the AMQP protocol header and the version it names, or a well-known
 * opening of another protocol (TLS, SSLv2, HTTP, SSH) that the frame decoder reports as not AMQP instead of searching
 * it for frames.
 */
import { hexBytes } from './frame-emitter.js';

/** The version named by the 4 octets after `AMQP`, and whether we decode it. */
export function protocolVersion(b4: number, b5: number, b6: number, b7: number): { version: string; supported: boolean } {
  const k = ((b4 << 24) | (b5 << 16) | (b6 << 8) | b7) >>> 0;
  switch (k) {
    case 0x00000901:
      return { version: '0-9-1', supported: true };
    case 0x01010009:
      // RabbitMQ treats this 0-9 header as 0-9-1 (rabbit_reader handshake); we report it as asked, see the report.
      return { version: '0-9', supported: false };
    case 0x01010800:
    case 0x01010901: // what py-amqplib sends for 0-8 ("AMQP 1 1 9 1"); RabbitMQ maps it to 0-8 as well
      return { version: '0-8', supported: false };
    case 0x0101000a:
      return { version: '0-10', supported: false };
    case 0x00010000:
      return { version: '1.0', supported: false };
    case 0x02010000:
      return { version: '1.0-tls', supported: false };
    case 0x03010000:
      return { version: '1.0-sasl', supported: false };
    default:
      return { version: `unknown(${hexBytes(new Uint8Array([b4, b5, b6, b7]), 0, 4)})`, supported: false };
  }
}

const HTTP_PREFIXES = ['GET ', 'POST ', 'PUT ', 'HEAD ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE ', 'PRI * HT', 'HTTP/1.', 'SSH-'];

/**
 * A name for the protocol if the first 8 bytes are a well-known non-AMQP opening, else null. Deliberately narrow:
 * anything else is treated as a capture that began mid-frame, and resynced.
 */
export function foreignProtocol(b: Uint8Array, off: number): string | null {
  const b0 = b[off] as number;
  const b1 = b[off + 1] as number;
  const b2 = b[off + 2] as number;
  // TLS record: content type 20-23 (change_cipher_spec, alert, handshake, application_data), version 3.0-3.4.
  if (b0 >= 0x14 && b0 <= 0x17 && b1 === 0x03 && b2 <= 0x04) return `TLS (record type ${b0}, version 3.${b2})`;
  // SSLv2-framed ClientHello (old clients): 2-byte length with the high bit set, msg type 1, version 2 or 3.
  if ((b0 & 0x80) !== 0 && b2 === 0x01 && ((b[off + 3] as number) === 0x03 || (b[off + 3] as number) === 0x00)) return 'SSLv2 ClientHello';
  let text = '';
  for (let i = 0; i < 8; i++) text += String.fromCharCode(b[off + i] as number);
  for (const p of HTTP_PREFIXES) {
    if (text.startsWith(p.slice(0, 8))) return p === 'SSH-' ? 'SSH' : 'HTTP';
  }
  return null;
}

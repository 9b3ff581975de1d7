/**
 * AMQP 0-9-1 traffic on top of a synthetic TCP Conversation: the handshake as RabbitMQ and a client perform it,
 * heartbeats, and a few methods, so diagnosis rules can be tested on wire shapes no broker produces on demand.
 */
import { Conversation } from './conversation.js';
import { concat, field, frame, longstr, methodFrame, shortstr, table, u16, u32, u8, utf8 } from './amqp-encode.js';

export const PROTOCOL_HEADER = Uint8Array.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);
export const HEARTBEAT = frame(8, 0, new Uint8Array(0));

export interface HandshakeOptions {
  heartbeat: number;
  proposed?: number;
  product?: string;
  version?: string;
  name?: string;
}

/** TCP and AMQP handshakes, 1 ms apart, starting at `t`. Returns the time after the last frame. */
export function amqpHandshake(c: Conversation, t: number, o: HandshakeOptions): number {
  const props = table(
    field('product', 'S', longstr(o.product ?? 'Pika Python Client Library')),
    field('version', 'S', longstr(o.version ?? '1.2.0')),
    ...(o.name !== undefined ? [field('connection_name', 'S', longstr(o.name))] : []),
  );
  const steps: [('c' | 's'), Uint8Array][] = [
    ['c', PROTOCOL_HEADER],
    ['s', methodFrame(0, 10, 10, u8(0), u8(9), table(field('product', 'S', longstr('RabbitMQ')), field('version', 'S', longstr('3.10.8'))), longstr('PLAIN AMQPLAIN'), longstr('en_US'))],
    ['c', methodFrame(0, 10, 11, props, shortstr('PLAIN'), longstr('\u0000guest\u0000guest'), shortstr('en_US'))],
    ['s', methodFrame(0, 10, 30, u16(2047), u32(131072), u16(o.proposed ?? 60))],
    ['c', methodFrame(0, 10, 31, u16(2047), u32(131072), u16(o.heartbeat))],
    ['c', methodFrame(0, 10, 40, shortstr('/'), shortstr(''), u8(0))],
    ['s', methodFrame(0, 10, 41, shortstr(''))],
  ];
  c.at(t).handshake();
  let now = t;
  for (const [side, bytes] of steps) {
    now += 0.001;
    c.at(now).send(side, bytes).ack(side === 'c' ? 's' : 'c');
  }
  return now;
}

export function connectionClose(code: number, text: string): Uint8Array {
  return methodFrame(0, 10, 50, u16(code), shortstr(text), u16(0), u16(0));
}

export const CLOSE_OK = methodFrame(0, 10, 51);

export { concat, utf8 };

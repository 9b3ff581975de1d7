import { it } from 'vitest';
import { FrameDecoder } from '../../src/amqp/frame-decoder.js';
import { frameName } from '../../src/amqp/names.js';
import { PROTOCOL_HEADER_091, RecordingSink, bodyFrame, concat, feedPieces, headerFrame, heartbeat, hex, methodFrame, shortstr, u16, u64, u8 } from '../../test/helpers/amqp-encode.js';
const PUBLISH = methodFrame(1, 60, 40, u16(0), shortstr('ex'), shortstr('rk'), u8(0));
const ACK = methodFrame(1, 60, 80, u64(1), u8(0));
const HB = heartbeat();
function show(bytes: Uint8Array, pieces: number[]) {
  const s = new RecordingSink(); const d = new FrameDecoder(s); feedPieces(d, bytes, pieces);
  console.log(pieces.slice(0,3), s.events.map(e => e.e === 'frame' ? frameName(e.frame) : e.e === 'issue' ? `${e.issue.code}:${e.issue.bytes}:${e.issue.message}` : 'hdr'));
}
it('dbg', () => {
  const lying = concat(hex('01 0001 00000028'), PUBLISH.subarray(7));
  const b1 = concat(PROTOCOL_HEADER_091, lying, HB, ACK, HB, HB, ACK);
  show(b1, [b1.length]); show(b1, [9, b1.length - 9]);
  const bad = bodyFrame(1, 'hello').slice(); bad[bad.length - 1] = 0xcf;
  const b2 = concat(PROTOCOL_HEADER_091, headerFrame(1, 5, 0), bad, HB, ACK);
  show(b2, [b2.length]); show(b2, [31, b2.length - 31]);
  const tail = concat(HB, ACK, HB);
  const stream = concat(PROTOCOL_HEADER_091, PUBLISH, headerFrame(1, 5, 0x8000, shortstr('text')), bodyFrame(1, 'hello'), ACK, tail);
  const b3 = stream.slice(); b3[12] = 0xce; show(b3, [b3.length]);
});

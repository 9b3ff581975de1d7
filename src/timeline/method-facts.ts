/**
 * The facts method frames give (handshake, closes, blocks, returns, cancels, redeliveries), and which methods are
 * notable on the timeline.
 */
import { loginUser } from '../amqp/login.js';
import { BASIC_ACK, BASIC_DELIVER, BASIC_PUBLISH } from '../amqp/method-ids.js';
import type { MethodFrame } from '../amqp/types.js';
import type { Dir } from '../tcp/types.js';
import { moment } from './silence-evidence.js';
import type { CloseFrame, ConnectionFacts, Moment } from './types.js';

type Tuning = NonNullable<ConnectionFacts['tune']>;

/** At most this many returns are kept (the recorder keeps as many decode problems). */
export const MAX_RETURNS = 200;

/**
 * Basic.Publish and Basic.Ack (class << 16 | method): never notable, no facts of their own in methodFacts, so the
 * view path skips building them. If methodFacts ever reads them, the reports with and without views differ and
 * test/amqp/frame-view.test.ts (and every fuzz case) fails.
 */
export const QUIET_PUBLISH = BASIC_PUBLISH;
export const QUIET_ACK = BASIC_ACK;
export const DELIVER = BASIC_DELIVER;

/** Facts from method frames. Returns whether the frame is notable. */
export function methodFacts(f: ConnectionFacts, dir: Dir, m: MethodFrame, setFrameMax: (frameMax: number) => void): boolean {
  // Made only where kept (a moment per method frame outlived the young generation on a capture of thousands of
  // connections); the tuning records are plain literals, not spreads (a spread made each 300 bytes, not 40).
  const at = (): Moment => moment(m.packet, m.tsSec, m.tsNsec);
  const args = m.args;
  switch (m.name) {
    case 'Connection.Start':
      f.start ??= at();
      return true;
    case 'Connection.Start-Ok':
      if (f.startOk === null) {
        f.startOk = at();
        f.user = loginUser(str(args['mechanism']), typeof args['response'] === 'string' ? args['response'] : null);
      }
      return true;
    case 'Connection.Tune':
      f.tune ??= tuning(m, num(args['heartbeat']), num(args['frame-max']), num(args['channel-max']));
      return true;
    case 'Connection.Tune-Ok': {
      const frameMax = num(args['frame-max']);
      f.tuneOk ??= tuning(m, num(args['heartbeat']), frameMax, num(args['channel-max']));
      if (frameMax > 0) {
        setFrameMax(frameMax);
      }
      return true;
    }
    case 'Connection.Open':
      f.vhost ??= str(args['virtual-host']);
      return true;
    case 'Connection.Open-Ok':
      f.openOk ??= at();
      return true;
    case 'Connection.Close': {
      const close: CloseFrame = {
        ...at(), replyCode: num(args['reply-code']), replyText: str(args['reply-text']), classId: num(args['class-id']), methodId: num(args['method-id']),
      };
      if (dir === 'c2s') f.clientClose ??= close;
      else f.serverClose ??= close;
      return true;
    }
    case 'Connection.Close-Ok':
      if (dir === 'c2s') f.clientCloseOk ??= at();
      else f.serverCloseOk ??= at();
      return true;
    case 'Connection.Blocked':
      if (dir === 's2c') f.blocked.push({ blocked: { ...at(), reason: str(args['reason']) }, unblocked: null, beforeCapture: false, lostInGap: false });
      return true;
    case 'Connection.Unblocked': {
      const open = f.blocked.find((b) => b.unblocked === null);
      if (open !== undefined) open.unblocked = at();
      // RabbitMQ sends Unblocked only to a connection it blocked. Without a Blocked in a capture that joined the
      // connection midway (neither its SYN nor its Connection.Start), the Blocked came before the capture: blocked at
      // least since the capture began. (With its beginning in the capture, a Blocked lost in a capture gap is the
      // likelier story: blocked at least since the latest gap in the broker's bytes, if one came after the previous
      // episode and after Connection.Open-Ok (RabbitMQ registers a connection with its alarms at Connection.Open and
      // blocks it at a publish after that); without such a gap, a lone Unblocked says nothing of when.)
      else if (dir === 's2c' && !f.info.synSeen && f.start === null && f.blocked.length === 0) {
        const c = f.captureStart;
        f.blocked.push({ blocked: { ...moment(c.packet, c.tsSec, c.tsNsec), reason: null }, unblocked: at(), beforeCapture: true, lostInGap: false });
      } else if (dir === 's2c') {
        const gap = f.stats.s2c.lastGap;
        const previous = f.blocked[f.blocked.length - 1];
        const afterOpen = f.openOk !== null && gap !== null && f.openOk.packet < gap.packet;
        if (gap !== null && afterOpen && gap.packet < m.packet && (previous === undefined || (previous.unblocked !== null && previous.unblocked.packet < gap.packet))) {
          f.blocked.push({ blocked: { ...moment(gap.packet, gap.tsSec, gap.tsNsec), reason: null }, unblocked: at(), beforeCapture: false, lostInGap: true });
        }
      }
      return true;
    }
    case 'Channel.Close':
      f.channelCloses.push({
        ...at(), dir, channel: m.channel, replyCode: num(args['reply-code']), replyText: str(args['reply-text']),
        classId: num(args['class-id']), methodId: num(args['method-id']),
      });
      return true;
    case 'Basic.Return':
      if (f.returns.length < MAX_RETURNS) {
        f.returns.push({ ...at(), replyCode: num(args['reply-code']), replyText: str(args['reply-text']), exchange: str(args['exchange']), routingKey: str(args['routing-key']) });
      }
      return true;
    case 'Basic.Cancel':
      if (dir === 's2c') f.consumerCancels.push({ ...at(), consumerTag: str(args['consumer-tag']) });
      return true;
    case 'Basic.Deliver':
    case 'Basic.Get-Ok':
      if (args['redelivered'] === true) {
        f.redeliveries.count++;
        f.redeliveries.first ??= at();
        return f.redeliveries.count <= 20;
      }
      return false;
    case 'Channel.Close-Ok':
    case 'Channel.Flow':
    case 'Basic.Recover':
    case 'Basic.Recover-Async':
    case 'Connection.Update-Secret':
      return true;
    default:
      return false;
  }
}

function tuning(m: MethodFrame, heartbeat: number, frameMax: number, channelMax: number): Tuning {
  return { packet: m.packet, tsSec: m.tsSec, tsNsec: m.tsNsec, heartbeat, frameMax, channelMax };
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

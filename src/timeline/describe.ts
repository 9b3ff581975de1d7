/**
 * One-line descriptions of frames and TCP events, in the spirit of Wireshark's Info column, with the arguments an
 * operator needs in an incident (reply codes, routing keys, delivery tags). Wire strings are returned raw: the
 * terminal renderer escapes them, JSON escapes them itself.
 */
import type { FieldValue, Frame } from '../amqp/types.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../net/types.js';
import { ANALYSIS_NAMES } from '../tcp/types.js';
import type { TimelineEntry } from './types.js';

function text(v: FieldValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function propsField(table: FieldValue | undefined, key: string): string {
  if (table === null || table === undefined || typeof table !== 'object' || Array.isArray(table)) return '';
  return text((table as Record<string, FieldValue>)[key]);
}

/** Arguments worth showing per method, as [label, argument] pairs. */
const METHOD_ARGS: Record<string, ReadonlyArray<readonly [string, string]>> = {
  'Connection.Tune': [['heartbeat', 'heartbeat'], ['frame_max', 'frame-max'], ['channel_max', 'channel-max']],
  'Connection.Tune-Ok': [['heartbeat', 'heartbeat'], ['frame_max', 'frame-max'], ['channel_max', 'channel-max']],
  'Connection.Open': [['vhost', 'virtual-host']],
  'Connection.Blocked': [['reason', 'reason']],
  'Connection.Start-Ok': [['mechanism', 'mechanism']],
  'Exchange.Declare': [['x', 'exchange'], ['type', 'type']],
  'Exchange.Delete': [['x', 'exchange']],
  'Exchange.Bind': [['dx', 'destination'], ['sx', 'source'], ['bk', 'routing-key']],
  'Exchange.Unbind': [['dx', 'destination'], ['sx', 'source'], ['bk', 'routing-key']],
  'Queue.Declare': [['q', 'queue']],
  'Queue.Declare-Ok': [['q', 'queue'], ['messages', 'message-count'], ['consumers', 'consumer-count']],
  'Queue.Bind': [['q', 'queue'], ['x', 'exchange'], ['bk', 'routing-key']],
  'Queue.Unbind': [['q', 'queue'], ['x', 'exchange'], ['bk', 'routing-key']],
  'Queue.Purge': [['q', 'queue']],
  'Queue.Delete': [['q', 'queue']],
  'Basic.Qos': [['prefetch', 'prefetch-count']],
  'Basic.Consume': [['q', 'queue'], ['ctag', 'consumer-tag']],
  'Basic.Consume-Ok': [['ctag', 'consumer-tag']],
  'Basic.Cancel': [['ctag', 'consumer-tag']],
  'Basic.Cancel-Ok': [['ctag', 'consumer-tag']],
  'Basic.Publish': [['x', 'exchange'], ['rk', 'routing-key']],
  'Basic.Return': [['x', 'exchange'], ['rk', 'routing-key']],
  'Basic.Deliver': [['x', 'exchange'], ['rk', 'routing-key'], ['tag', 'delivery-tag']],
  'Basic.Get': [['q', 'queue']],
  'Basic.Get-Ok': [['x', 'exchange'], ['rk', 'routing-key'], ['tag', 'delivery-tag']],
  'Basic.Ack': [['tag', 'delivery-tag']],
  'Basic.Nack': [['tag', 'delivery-tag']],
  'Basic.Reject': [['tag', 'delivery-tag']],
  'Channel.Flow': [['active', 'active']],
};

export function describeFrame(frame: Frame): string {
  switch (frame.kind) {
    case 'heartbeat':
      return 'Heartbeat';
    case 'body':
      return `Content-Body ${frame.size} bytes`;
    case 'header': {
      const parts = [`Content-Header body=${frame.bodySize}`];
      const type = text(frame.properties['content-type']);
      if (type !== '') parts.push(`type=${type}`);
      const id = text(frame.properties['message-id']);
      if (id !== '') parts.push(`id=${id}`);
      return parts.join(' ');
    }
    case 'method': {
      const a = frame.args;
      const parts = [frame.name];
      if (frame.name === 'Connection.Close' || frame.name === 'Channel.Close' || frame.name === 'Basic.Return') {
        parts.push(`${text(a['reply-code'])} ${text(a['reply-text'])}`.trim());
      }
      if (frame.name === 'Connection.Start') {
        const props = a['server-properties'];
        const product = propsField(props, 'product');
        const version = propsField(props, 'version');
        if (product !== '') parts.push(`${product} ${version}`.trim());
      }
      if (frame.name === 'Connection.Start-Ok') {
        const props = a['client-properties'];
        const product = propsField(props, 'product');
        const version = propsField(props, 'version');
        const name = propsField(props, 'connection_name');
        if (product !== '') parts.push(`${product} ${version}`.trim());
        if (name !== '') parts.push(`name=${name}`);
      }
      for (const [label, key] of METHOD_ARGS[frame.name] ?? []) {
        if (a[key] !== undefined) parts.push(`${label}=${text(a[key])}`);
      }
      if (a['multiple'] === true) parts.push('multiple');
      if (a['redelivered'] === true) parts.push('redelivered');
      if (a['requeue'] === false && (frame.name === 'Basic.Nack' || frame.name === 'Basic.Reject')) parts.push('no-requeue');
      return parts.join(' ');
    }
  }
}

/**
 * `[RST, ACK]`-style flag list, plus Wireshark's analysis labels. `unscaled`: the handshake, with its window-scale
 * options, is not in the capture, so the window is the header's bare value (Wireshark: "window size scaling factor:
 * -1 (unknown)"): review 36 read a 64 KiB window printed as `win=64` for one about to close.
 */
export function describeTcp(e: TimelineEntry, unscaled = false): string {
  const flags = e.tcpFlags ?? 0;
  const names: string[] = [];
  if (flags & TCP_SYN) names.push('SYN');
  if (flags & TCP_FIN) names.push('FIN');
  if (flags & TCP_RST) names.push('RST');
  if (flags & TCP_PSH) names.push('PSH');
  if (flags & TCP_ACK) names.push('ACK');
  const labels: string[] = [];
  for (const [bit, name] of ANALYSIS_NAMES) if (((e.analysis ?? 0) & bit) !== 0) labels.push(`[TCP ${name}]`);
  const win = e.window !== undefined ? ` win=${e.window}${unscaled && e.window > 0 ? ' (unscaled)' : ''}` : '';
  const len = e.payloadLength ? ` len=${e.payloadLength}` : '';
  return [...labels, `[${names.join(', ')}]`].join(' ') + win + len;
}

/** `unscaled`: see describeTcp. */
export function describeEntry(e: TimelineEntry, unscaled = false): string {
  if (e.kind === 'amqp') return e.frame !== undefined ? describeFrame(e.frame) : (e.summary ?? e.type);
  if (e.kind === 'tcp') return describeTcp(e, unscaled);
  if (e.kind === 'tls') return e.type;
  return `${e.elided ?? 0} events not shown`;
}

/**
 * A capture whose wire strings are markup: the connection_name is `<img src=x onerror=alert(1)>`, a queue name
 * closes the page's script element, and the broker's reply text carries Markdown and a link. The client then
 * stalls (its kernel ACKs the broker's heartbeats) and the broker drops it for missed heartbeats, so the connection
 * gets a swimlane and an event table where those strings appear. Until the real pika-injection-name.pcap exists,
 * the HTML and Markdown tests use this.
 */
import { amqpHandshake, HEARTBEAT } from './amqp-conversation.js';
import { bits, methodFrame, shortstr, table, u16 } from './amqp-encode.js';
import { Conversation } from './conversation.js';
import { writePcap } from './synth-capture.js';

export const INJECTED_NAME = '<img src=x onerror=alert(1)>';
export const INJECTED_QUEUE = '</script><script>alert(2)</script>';

export function injectionCapture(): Uint8Array {
  const c = new Conversation({ client: '127.0.0.1', server: '127.0.0.1', clientPort: 51000 });
  let t = amqpHandshake(c, 0, { heartbeat: 4, name: INJECTED_NAME });
  t += 0.001;
  c.at(t).send('c', methodFrame(1, 20, 10, shortstr(''))).ack('s');
  c.at((t += 0.001)).send('s', methodFrame(1, 20, 11, new Uint8Array([0, 0, 0, 0]))).ack('c');
  c.at((t += 0.001)).send('c', methodFrame(1, 50, 10, u16(0), shortstr(INJECTED_QUEUE), bits(false, false, false, false, false), table())).ack('s');
  const lastClient = t;
  for (let k = 1; k <= 5; k++) c.at(lastClient + 2 * k).send('s', HEARTBEAT).ack('c');
  c.at(lastClient + 12.001).rst('s');
  return writePcap(c.packets);
}

/**
 * client-aborted: the client closed TCP (FIN or RST) without Connection.Close and without the broker having gone
 * quiet before (failure-modes.md F19): the process exited or was killed, or an application timeout fired.
 * RabbitMQ logs "client unexpectedly closed TCP connection".
 */
import { addNote, judgement } from '../judgement.js';
import { isKeyless } from '../tls-records.js';
import type { Judgement, RuleContext } from '../types.js';

export function clientAborted(ctx: RuleContext): Judgement | null {
  const f = ctx.facts;
  const end = ctx.firstTcpEnd;
  if (end === null || end.dir !== 'c2s') return null;
  if (f.clientClose !== null || f.serverClose !== null) return null;
  // A RST in the client's name with another TTL than the client's packets came from a middlebox in the path (a
  // firewall whose idle timer expired the flow, failure-modes.md F7): reset.ts says so, whichever end it reached.
  if (end.kind === 'rst' && end.usualTtl >= 0 && end.ttl !== end.usualTtl) return null;
  const blocked = f.blocked.length > 0 ? ' It happened while the connection was blocked by a resource alarm (a client blocked-connection timeout?).' : '';
  // Encrypted without keys: a Connection.Close would be inside a record; only its size could show it (closed-by-client
  // reads it when the cipher is known), and nothing did.
  const hidden = isKeyless(f)
    ? ` Its AMQP is in TLS records that could not be decrypted, and neither a close_notify nor a record the size of Connection.Close-Ok shows a clean close${f.tls?.clientHello === null ? ' (the capture started after the TLS handshake: the cipher, hence those sizes, are unknown)' : ''}: it may also have closed cleanly inside them.`
    : '';
  if (f.portReused && end.kind === 'rst') {
    // captures/fleet-port-reuse.pcap: the client host lost the connection silently and connected again from the same
    // port; Linux answers such a SYN with an ACK of the old connection's numbers (RFC 5961 §4.2, a challenge ACK), and
    // the client's kernel, which no longer knows the old connection, answers that ACK with this RST.
    // The broker's last segment before the RST, as the end snapshot saw it: its challenge ACK.
    const challenge = ctx.atEnd.trailing.s2c.lastSignOfLife;
    const challengeText = challenge !== null && challenge.packet < end.moment.packet ? `, packet ${challenge.packet}` : '';
    const j = judgement('client-aborted', end.moment, {
      severity: 'warning',
      by: 'client',
      how: 'rst',
      explanation:
        `A new connection from the same client address and port (a SYN with another sequence number) ended this one: the broker answered that SYN with an ACK of this connection's numbers, a challenge ACK (RFC 5961${challengeText}), ` +
        `and the client's kernel, which no longer knew this connection, reset it (packet ${end.moment.packet}). The client host had lost it without a FIN or RST reaching the capture ` +
        `(a crash or reboot, or a NAT reusing the port) and connected again. RabbitMQ logs "client unexpectedly closed TCP connection".${hidden}${blocked}`,
    });
    if (challengeText !== '') addNote(j, challenge!.packet, 'challenge ACK to the new SYN (RFC 5961)');
    addNote(j, end.moment.packet, "the client's kernel resets the connection it lost");
    return j;
  }
  return judgement('client-aborted', end.moment, {
    severity: 'warning',
    by: 'client',
    how: end.kind,
    explanation: `The client closed the TCP connection (${end.kind.toUpperCase()}) without Connection.Close${hidden === '' ? '' : ' that the capture can see'}: its process exited, was killed, or gave up on its own timeout. RabbitMQ logs "client unexpectedly closed TCP connection".${hidden}${blocked}`,
  });
}

/**
 * The verdicts on every real capture are what its README row (captures/README.md) says happened. This is the
 * test of issue 4's "done when": each verdict, cause and finding on a real capture, the client's last frame and
 * the moment of the end, to the packet.
 */
import { describe, expect, it } from 'vitest';
import type { ReportConnection } from '../../src/report/types.js';
import { analyzeCapture, smallCaptures } from '../helpers/captures.js';

interface Expected {
  capture: string;
  /** Substring of the connection id (usually the client port). */
  conn: string;
  verdict: string;
  cause?: string | null;
  by?: 'client' | 'server' | null;
  how?: string | null;
  endPacket: number;
  /** Seconds since the capture start, to the microsecond. */
  endT?: number;
  lastClientFrame?: [string, number];
  replyCode?: number;
  findings?: string[];
  absent?: string[];
  heartbeat?: number;
}

const EXPECTED: Expected[] = [
  // The CloudAMQP case: pika callback works 20 s, broker RST 12.0 s (3T) after the client's last byte.
  { capture: 'pika-long-callback.pcap', conn: ':47712', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 35, endT: 12.006696, lastClientFrame: ['Basic.Consume', 22], heartbeat: 4, findings: ['heartbeat-timeout-low', 'unacked-at-close'] },
  // The same case caught live by --follow (README, "Live"): the queue held an earlier take's messages.
  { capture: 'pika-live-follow.pcap', conn: ':42192', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 35, endT: 12.015564, lastClientFrame: ['Basic.Consume', 21], heartbeat: 4, findings: ['heartbeat-timeout-low', 'redelivered', 'unacked-at-close'] },
  { capture: 'pika-long-callback.pcapng', conn: ':47712', verdict: 'missed-heartbeats', cause: 'client-stalled', endPacket: 35, lastClientFrame: ['Basic.Consume', 22] },
  // RabbitMQ's RST after a clean close is normal: never flagged.
  { capture: 'pika-healthy-idle.pcap', conn: ':41700', verdict: 'closed-by-client', cause: null, by: 'client', how: 'amqp-close', endPacket: 42, endT: 14.02986, absent: ['retransmissions', 'zero-window', 'heartbeat-near-miss'] },
  { capture: 'amqplib-prefetch-survives.pcap', conn: ':47756', verdict: 'closed-by-client', endPacket: 26, absent: ['heartbeat-near-miss'] },
  // Silent 8.4 s > T=4 while working through the prefetch, but under 2T-3T: a near miss.
  { capture: 'amqplib-prefetch-survives.pcap', conn: ':47760', verdict: 'closed-by-client', endPacket: 75, endT: 17.960686, findings: ['heartbeat-near-miss'] },
  { capture: 'bunny-long-work.pcap', conn: ':39458', verdict: 'closed-by-client', endPacket: 65, absent: ['heartbeat-near-miss'] },
  { capture: 'pika-keepalive-only.pcap', conn: ':51922', verdict: 'closed-by-client', endPacket: 28, heartbeat: 0, findings: ['heartbeats-disabled', 'keepalive-probes'] },
  { capture: 'pika-forced-close.pcap', conn: ':34934', verdict: 'closed-by-server', by: 'server', how: 'amqp-close', replyCode: 320, endPacket: 20, endT: 3.900049, findings: ['connection-error'] },
  { capture: 'pika-kitchen-sink.pcap', conn: ':56812', verdict: 'closed-by-client', endPacket: 88, findings: ['channel-error', 'message-returned'] },
  { capture: 'kitchen-sink-from-packet-24.pcap', conn: ':56812', verdict: 'closed-by-client', endPacket: 65, findings: ['capture-started-midstream', 'channel-error'] },
  { capture: 'kitchen-sink-snaplen-128.pcap', conn: ':56812', verdict: 'closed-by-client', endPacket: 88, findings: ['capture-gap', 'channel-error'] },
  // A frozen consumer (SIGSTOP): its kernel keeps ACKing; the broker drops it 8.5 s (2T-3T) after its last byte.
  { capture: 'pika-sigstop-consumer.pcap', conn: ':37594', verdict: 'missed-heartbeats', cause: 'client-stalled', endPacket: 577, endT: 12.004734, lastClientFrame: ['Basic.Ack', 311], findings: ['unacked-at-close'] },
  { capture: 'pika-sigstop-consumer.pcap', conn: ':37596', verdict: 'closed-by-client', endPacket: 621, findings: ['redelivered'] },
  { capture: 'pika-sigstop-consumer.pcap', conn: ':37612', verdict: 'closed-by-client', endPacket: 563 },
  // Large deliveries fill the frozen consumer's receive window: not reading.
  { capture: 'pika-sigstop-zero-window.pcap', conn: ':37210', verdict: 'missed-heartbeats', cause: 'client-not-reading', endPacket: 246, lastClientFrame: ['Basic.Ack', 149], findings: ['zero-window', 'unacked-at-close'], absent: ['keepalive-probes'] },
  // A healthy consumer's momentary zero window is information, not a problem (see the severity check below).
  { capture: 'pika-sigstop-zero-window.pcap', conn: ':37226', verdict: 'closed-by-client', endPacket: 281, findings: ['zero-window', 'redelivered'] },
  { capture: 'pika-sigstop-zero-window.pcap', conn: ':37234', verdict: 'closed-by-client', endPacket: 227 },
  // A firewall drops everything: heartbeats retransmitted, never ACKed; broker RST 10.0 s after the last byte.
  // The broker unreachable, seen from the client: its bytes retransmitted unanswered, the broker silent: not the client.
  { capture: 'netns-broker-unreachable.pcap', conn: ':38856', verdict: 'open', cause: null, endPacket: 37, endT: 16.658774, lastClientFrame: ['Heartbeat', 31], heartbeat: 4, findings: ['heartbeat-timeout-low', 'retransmissions'] },
  // Heartbeats off: the client's keep-alive probes unanswered, its kernel's RST one interval after the last (10.182 s).
  { capture: 'netns-broker-unreachable-keepalive.pcap', conn: ':54712', verdict: 'tcp-timeout', cause: null, by: 'client', how: 'rst', endPacket: 47, endT: 10.182277, lastClientFrame: ['Basic.Consume', 18], heartbeat: 0, findings: ['heartbeats-disabled', 'keepalive-probes'] },
  { capture: 'netns-broker-unreachable-keepalive.pcap', conn: ':54726', verdict: 'open', cause: null, endPacket: 40, heartbeat: 0, findings: ['heartbeats-disabled'] },
  { capture: 'netns-blackhole-heartbeat.pcap', conn: ':56042', verdict: 'missed-heartbeats', cause: 'client-unreachable', endPacket: 27, endT: 12.006362, lastClientFrame: ['Heartbeat', 17], findings: ['retransmissions'] },
  // Heartbeats off: the capture ends while the broker still retransmits: half-open.
  { capture: 'netns-blackhole-no-heartbeat.pcap', conn: ':42532', verdict: 'open', cause: 'client-unreachable', endPacket: 48, heartbeat: 0, findings: ['heartbeats-disabled', 'retransmissions'] },
  // ... and when the client comes back, the broker's kernel had given up: RST to its FIN.
  { capture: 'netns-blackhole-no-heartbeat-revival.pcap', conn: ':55650', verdict: 'tcp-timeout', cause: 'client-unreachable', endPacket: 49, findings: ['unacked-at-close'] },
  // Broker keep-alives unanswered, then the kernel's RST one interval after the last probe.
  { capture: 'netns-blackhole-keepalive.pcap', conn: ':44624', verdict: 'tcp-timeout', cause: 'client-unreachable', by: 'server', how: 'rst', endPacket: 24, endT: 9.158428, findings: ['keepalive-probes'] },
  { capture: 'kombu-no-heartbeat-check.pcap', conn: ':53812', verdict: 'missed-heartbeats', cause: 'client-stalled', endPacket: 31, endT: 12.009577, lastClientFrame: ['Basic.Consume', 18] },
  // The broker without linger closes with FIN; py-amqp's Basic.Cancel after that FIN is not client activity.
  { capture: 'kombu-no-heartbeat-check-no-linger.pcap', conn: ':39212', verdict: 'missed-heartbeats', cause: 'client-stalled', how: 'fin', endPacket: 31 },
  { capture: 'pika-close-no-linger.pcap', conn: ':51458', verdict: 'closed-by-client', endPacket: 27 },
  { capture: 'pika-blocked-memory-alarm.pcap', conn: ':52198', verdict: 'closed-by-client', endPacket: 1104, findings: ['connection-blocked', 'zero-window'] },
  // SIGKILL with a delivery unread: the kernel sends RST, no Connection.Close.
  { capture: 'pika-sigkill.pcap', conn: ':43104', verdict: 'client-aborted', by: 'client', how: 'rst', endPacket: 96, endT: 2.624901, findings: ['unacked-at-close'] },
  { capture: 'pika-sigkill.pcap', conn: ':43098', verdict: 'closed-by-client', endPacket: 60 },
  { capture: 'pika-login-refused.pcap', conn: ':38780', verdict: 'handshake-failed', by: 'server', how: 'amqp-close', replyCode: 403, endPacket: 9 },
  // consumer_timeout: Channel.Close 406 on channel 1; the connection stays up.
  { capture: 'pika-consumer-timeout.pcap', conn: ':46060', verdict: 'closed-by-client', endPacket: 82, findings: ['channel-error'] },
  { capture: 'pika-consumer-timeout.pcap', conn: ':46068', verdict: 'closed-by-client', endPacket: 101, findings: ['redelivered'] },
  // The broker frozen (SIGSTOP) 16 s; its kernel still ACKs; pika gives up with a FIN.
  { capture: 'broker-sigstop-client-timeout.pcap', conn: ':38782', verdict: 'server-unresponsive', cause: 'server-stalled', by: 'client', how: 'fin', endPacket: 35, endT: 18.004995 },
  { capture: 'handshake-wrong-protocol.pcap', conn: ':34914', verdict: 'handshake-failed', endPacket: 8 },
  { capture: 'handshake-wrong-protocol.pcap', conn: ':34916', verdict: 'handshake-failed', endPacket: 17 },
  { capture: 'handshake-wrong-protocol.pcap', conn: ':34922', verdict: 'handshake-failed', by: 'server', how: 'rst', endPacket: 25 },
  // A malformed frame (frame-end 0x00): the broker answers 501 FRAME_ERROR; we flag the frame ourselves too. The
  // client's last bytes on the wire are that frame (packet 16: 01 0001 0000000b 003c000a 00000000 000a 00, then 00
  // where 0xCE belongs), after Channel.Open (14): it is the client's last frame, malformed.
  { capture: 'frame-error-501.pcap', conn: ':49082', verdict: 'closed-by-server', by: 'server', how: 'amqp-close', replyCode: 501, endPacket: 17, lastClientFrame: ['Basic.Qos (malformed)', 16], findings: ['frame-error', 'connection-error'] },
  // tcpdump started 3 s into the connection: no handshake, T inferred from the broker's heartbeats every 2 s.
  { capture: 'pika-midstream-idle.pcap', conn: ':53594', verdict: 'missed-heartbeats', cause: 'client-stalled', endPacket: 20, endT: 16.00407, lastClientFrame: ['Heartbeat', 7], findings: ['heartbeat-inferred', 'capture-started-midstream'] },
  // pika-long-callback.pcap from packet 23 (after the client's last frame): no client byte at all, T inferred; the
  // broker's RST 12.0 s after the capture's start is >= 3T of client silence: missed heartbeats, known as a bound.
  { capture: 'pika-long-callback-midstream.pcap', conn: ':47712', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 13, endT: 12.000157, findings: ['heartbeat-inferred', 'capture-started-midstream', 'unacked-at-close'] },
  // pika-long-callback.pcap cut 8 s into the client's silence: still open, the client stalled, the close expected.
  { capture: 'pika-long-callback-cut-8s.pcap', conn: ':47712', verdict: 'open', cause: 'client-stalled', by: null, how: null, endPacket: 32, endT: 8.007264, lastClientFrame: ['Basic.Consume', 22], heartbeat: 4, findings: ['heartbeat-timeout-low'] },
  // amqplib-prefetch-survives.pcap cut at 12.16 s: the consumer's 8.4 s silence recovered (a near miss), its current
  // one is under T: open, info, no cause.
  { capture: 'amqplib-prefetch-cut-12s.pcap', conn: ':47760', verdict: 'open', cause: null, by: null, how: null, endPacket: 66, lastClientFrame: ['Basic.Ack', 61], findings: ['heartbeat-near-miss'] },
  { capture: 'amqplib-prefetch-cut-12s.pcap', conn: ':47756', verdict: 'closed-by-client', endPacket: 26 },
  // The queue is deleted under a consumer: Basic.Cancel from the broker; the consumer gets nothing more.
  { capture: 'pika-consumer-cancelled.pcap', conn: ':48592', verdict: 'closed-by-client', endPacket: 72, findings: ['consumer-cancelled'] },
  { capture: 'pika-consumer-cancelled.pcap', conn: ':48602', verdict: 'closed-by-client', endPacket: 62 },
  // AMQPS without keys (the default): judged from TLS record sizes and times; the same verdicts as decrypted
  // (test/tls/amqps-captures.test.ts), the client's last application record marked.
  { capture: 'amqps13-long-callback.pcap', conn: ':50528', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 42, lastClientFrame: ['TLS application data', 26], findings: ['heartbeat-inferred'] },
  { capture: 'amqps12-long-callback.pcap', conn: ':43964', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 42, lastClientFrame: ['TLS application data', 26], findings: ['heartbeat-inferred'] },
  { capture: 'amqps13-healthy-idle.pcap', conn: ':46978', verdict: 'closed-by-client', by: 'client', how: 'fin', endPacket: 44 },
  { capture: 'amqps12-healthy-idle.pcap', conn: ':50034', verdict: 'closed-by-client', by: 'client', how: 'fin', endPacket: 40 },
  // A HelloRetryRequest (its ChangeCipherSpecs before the real ServerHello), read without keys: a clean close.
  { capture: 'amqps13-hello-retry.pcap', conn: ':52846', verdict: 'closed-by-client', by: 'client', how: 'fin', endPacket: 45 },
  { capture: 'amqps13-sigkill.pcap', conn: ':37562', verdict: 'client-aborted', by: 'client', how: 'fin', endPacket: 29, lastClientFrame: ['TLS application data', 25] },
  // The client distrusts the broker's certificate: its alert is in the clear.
  { capture: 'amqps13-bad-cert.pcap', conn: ':50028', verdict: 'handshake-failed', by: 'client', how: 'rst', endPacket: 9 },
  { capture: 'amqp10-header.pcap', conn: ':54056', verdict: 'handshake-failed', by: 'server', how: 'rst', endPacket: 8, findings: ['unsupported-protocol'] },
  { capture: 'pika-any-sll2.pcap', conn: ':37428', verdict: 'closed-by-client', endPacket: 35 },
  { capture: 'pika-idle-nanosecond.pcap', conn: ':49772', verdict: 'closed-by-client', endPacket: 34, endT: 10.016896011 },
  { capture: 'pika-ipv6.pcap', conn: '[::1]:53118', verdict: 'closed-by-client', endPacket: 35, endT: 10.020096 },
  // Fleet captures (their every connection is in captures/README.md's facts table): the connections that tell the story.
  // One host frozen with SIGSTOP: the broker resets the three after ~3T of kernel-ACKed heartbeats.
  { capture: 'fleet-host-freeze.pcap', conn: '127.0.0.11:40517', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 388, endT: 16.091448, lastClientFrame: ['Heartbeat', 236], heartbeat: 4 },
  { capture: 'fleet-host-freeze.pcap', conn: '127.0.0.14:57931', verdict: 'handshake-failed', by: 'server', how: 'amqp-close', replyCode: 403, endPacket: 163, lastClientFrame: ['Connection.Start-Ok', 162] },
  // The same, the capture started during the freeze: the last client byte before it, T inferred, the silence a lower bound.
  // The same freeze over TLS 1.3, read without the key log: two processes on 127.0.0.22, the broker's close_notify, RST.
  { capture: 'fleet-amqps-host-freeze.pcap', conn: '127.0.0.22:43443', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 424, endT: 16.050572, lastClientFrame: ['TLS application data', 253] },
  { capture: 'fleet-amqps-host-freeze.pcap', conn: '127.0.0.22:50335', verdict: 'closed-by-client', by: 'client', how: 'fin', endPacket: 804 },
  { capture: 'fleet-host-freeze-from-packet-300.pcap', conn: '127.0.0.11:40517', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 89, endT: 7.988993, findings: ['capture-started-midstream', 'heartbeat-inferred'] },
  // rabbitmqctl stop_app: 320 CONNECTION_FORCED to every client.
  { capture: 'fleet-broker-restart.pcap', conn: '127.0.0.23:52441', verdict: 'closed-by-server', by: 'server', how: 'amqp-close', replyCode: 320, endPacket: 498, endT: 5.230409, findings: ['connection-error'] },
  // close_all_connections while a firewall drops SYNs: 320 CONNECTION_FORCED to every client (its reconnects dropped).
  // A client host lost its connection silently and connected again from the same port: the broker's challenge ACK to
  // the new SYN and the client's RST end the old connection (RFC 5961); after the broker reaped it, no challenge.
  { capture: 'fleet-port-reuse.pcap', conn: ':40000@1', verdict: 'client-aborted', cause: null, by: 'client', how: 'rst', endPacket: 51, endT: 8.508112, lastClientFrame: ['Basic.Ack', 47] },
  { capture: 'fleet-port-reuse-reaped.pcap', conn: ':40000@1', verdict: 'missed-heartbeats', cause: 'client-unreachable', by: 'server', how: 'rst', endPacket: 59, endT: 16.011406, lastClientFrame: ['Basic.Ack', 50], heartbeat: 4 },
  // A client host that lost its broker: amqplib's heartbeat retransmitted 6 times into silence, no FIN on the wire.
  { capture: 'fleet-broker-unreachable.pcap', conn: ':48764', verdict: 'open', cause: null, endPacket: 164, endT: 18.839764, lastClientFrame: ['Heartbeat', 147], heartbeat: 4, findings: ['heartbeat-timeout-low', 'retransmissions'] },
  { capture: 'fleet-syn-dropped.pcap', conn: '127.0.0.31:34431', verdict: 'closed-by-server', by: 'server', how: 'amqp-close', replyCode: 320, endPacket: 369, endT: 5.217326, findings: ['connection-error'] },
  // Out of sockets: the client gives up after 15 s; the broker's late Start (packet 538+) does not make it answered.
  { capture: 'fleet-fd-limit.pcap', conn: '127.0.0.32:41597', verdict: 'handshake-failed', by: 'client', how: 'fin', endPacket: 392, endT: 17.774775 },
  { capture: 'fleet-many-healthy.pcap', conn: '127.0.0.41:48531', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 5044, lastClientFrame: ['Basic.Ack', 2924], findings: ['unacked-at-close'] },
  { capture: 'fleet-many-healthy.pcap', conn: '127.0.0.42:60047', verdict: 'client-aborted', by: 'client', how: 'fin', endPacket: 3639, lastClientFrame: ['Heartbeat', 3134] },
  // Three hosts cut off at once: the broker's heartbeats retransmitted into silence, its RST ~3T after each last byte.
  { capture: 'fleet-network-blackhole.pcap', conn: '10.98.0.12:45679', verdict: 'missed-heartbeats', cause: 'client-unreachable', by: 'server', how: 'rst', endPacket: 363, lastClientFrame: ['Heartbeat', 177], findings: ['retransmissions'] },
  // A memory alarm: cinder-volume's pika gives up 6 s after Connection.Blocked (blocked_connection_timeout), FIN, no Close;
  // the broker, no longer reading it, has no Unblocked for it. Consumers of the same alarm are never blocked.
  { capture: 'fleet-memory-alarm.pcap', conn: '127.0.0.64:51941', verdict: 'client-aborted', by: 'client', how: 'fin', endPacket: 1062, endT: 11.636655, lastClientFrame: ['Content-Body', 1036], findings: ['connection-blocked'] },
  { capture: 'fleet-memory-alarm.pcap', conn: '127.0.0.63:34207', verdict: 'closed-by-client', by: 'client', how: 'amqp-close', endPacket: 3128, absent: ['connection-blocked'] },
  // The same alarm joined at packet 900: four publishers already blocked (their Unblocked only), one dropped while blocked.
  { capture: 'fleet-memory-alarm-from-packet-900.pcap', conn: '127.0.0.62:33557', verdict: 'closed-by-client', endPacket: 2207, findings: ['connection-blocked', 'capture-started-midstream'] },
  { capture: 'fleet-memory-alarm-from-packet-900.pcap', conn: '127.0.0.64:51941', verdict: 'client-aborted', by: 'client', how: 'fin', endPacket: 163, absent: ['connection-blocked'] },
  // A long callback in three clients on three hosts, 0.6-0.8 s apart: each client-stalled.
  { capture: 'fleet-clients-stalled.pcap', conn: '127.0.0.51:43307', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 371, lastClientFrame: ['Basic.Ack', 202] },
  // The same, stopped early (head -c): the wave as in the full capture; the last connection's header 0.6 ms before the end.
  { capture: 'fleet-clients-stalled-cut-60k.pcap', conn: '127.0.0.51:43307', verdict: 'missed-heartbeats', cause: 'client-stalled', by: 'server', how: 'rst', endPacket: 371, lastClientFrame: ['Basic.Ack', 202] },
  { capture: 'pika-injection-name.pcap', conn: ':47938', verdict: 'closed-by-client', by: 'client', how: 'amqp-close', endPacket: 27 },
  // The Blocked frame cut out of the capture: its Unblocked (packet 732) still says the publisher was blocked.
  { capture: 'pika-blocked-memory-alarm-blocked-lost.pcap', conn: ':52198', verdict: 'closed-by-client', endPacket: 1103, findings: ['connection-blocked', 'capture-gap'], absent: ['heartbeat-near-miss'] },
  // A vhost at its connection limit (4): 530 NOT_ALLOWED in answer to Connection.Open (pika sends no Close-Ok); one of
  // the four that held the limit, and one of the refused processes getting in after the limit was cleared.
  { capture: 'fleet-connection-limit.pcap', conn: '127.0.0.71:39321', verdict: 'handshake-failed', by: 'server', how: 'amqp-close', replyCode: 530, endPacket: 97, endT: 1.213446, lastClientFrame: ['Connection.Open', 95], findings: ['connection-error'] },
  { capture: 'fleet-connection-limit.pcap', conn: '127.0.0.71:39601', verdict: 'closed-by-client', by: 'client', how: 'amqp-close', endPacket: 1192 },
  { capture: 'fleet-connection-limit.pcap', conn: '127.0.0.72:38623', verdict: 'closed-by-client', by: 'client', how: 'amqp-close', endPacket: 1186 },
  // A stale password: 403 ACCESS_REFUSED right after Start-Ok, 30 times; the same user logs in from the other hosts.
  { capture: 'fleet-login-refused-storm.pcap', conn: '127.0.0.82:55823', verdict: 'handshake-failed', by: 'server', how: 'amqp-close', replyCode: 403, endPacket: 31, endT: 0.317385, lastClientFrame: ['Connection.Start-Ok', 30], findings: ['connection-error'] },
  { capture: 'fleet-login-refused-storm.pcap', conn: '127.0.0.81:33451', verdict: 'closed-by-client', by: 'client', how: 'amqp-close', endPacket: 541 },
  // F7: a firewall one hop away expires the idle flow (heartbeats off) and answers the next packet with a RST in the
  // other end's name, TTL 64 where that end's packets arrive with 63: seen from the client, and from the broker.
  { capture: 'netns-middlebox-reset.pcap', conn: ':54726', verdict: 'reset', by: 'server', how: 'rst', endPacket: 22, endT: 25.107935, lastClientFrame: ['Basic.Publish', 21], findings: ['heartbeats-disabled'] },
  // The same firewall, three idle clients on three addresses: three forged RSTs within 649 ms (a wave, scope network).
  { capture: 'fleet-middlebox-reset.pcap', conn: '10.97.1.2:34357', verdict: 'reset', by: 'server', how: 'rst', endPacket: 62, endT: 25.450679, lastClientFrame: ['Basic.Publish', 61], findings: ['heartbeats-disabled'] },
  { capture: 'netns-middlebox-reset-broker-side.pcap', conn: ':54726', verdict: 'reset', by: 'client', how: 'rst', endPacket: 22, lastClientFrame: ['Basic.Consume', 18], findings: ['heartbeats-disabled', 'unacked-at-close'] },
];

const cache = new Map<string, ReturnType<typeof analyzeCapture>>();
function analyzed(capture: string) {
  let r = cache.get(capture);
  if (r === undefined) cache.set(capture, (r = analyzeCapture(capture)));
  return r;
}

/** `conn`: part of the connection's id, and "@N" its first packet where two connections share addresses and ports. */
function find(capture: string, conn: string): ReportConnection {
  const [part, opened] = conn.split('@');
  const matches = analyzed(capture).report.connections.filter((c) => c.id.includes(part!) && (opened === undefined || c.opened.packet === Number(opened)));
  expect(matches, `${capture} ${conn}`).toHaveLength(1);
  return matches[0]!;
}

describe('verdicts on the real captures', () => {
  for (const e of EXPECTED) {
    it(`${e.capture} ${e.conn}: ${e.verdict}${e.cause ? ` / ${e.cause}` : ''}`, () => {
      const c = find(e.capture, e.conn);
      expect(c.end.verdict).toBe(e.verdict);
      if (e.cause !== undefined) expect(c.end.cause).toBe(e.cause);
      if (e.by !== undefined) expect(c.end.by).toBe(e.by);
      if (e.how !== undefined) expect(c.end.how).toBe(e.how);
      expect(c.end.packet).toBe(e.endPacket);
      if (e.endT !== undefined) expect(c.end.t).toBeCloseTo(e.endT, 6);
      if (e.replyCode !== undefined) expect(c.end.replyCode).toBe(e.replyCode);
      if (e.lastClientFrame !== undefined) expect([c.lastClientFrame?.type, c.lastClientFrame?.packet]).toEqual(e.lastClientFrame);
      if (e.heartbeat !== undefined) expect(c.heartbeat.negotiated).toBe(e.heartbeat);
      const codes = c.findings.map((f) => f.code);
      for (const f of e.findings ?? []) expect(codes).toContain(f);
      for (const f of e.absent ?? []) expect(codes).not.toContain(f);
      expect(c.end.explanation.length).toBeGreaterThan(20);
    });
  }

  it('covers every connection of every real capture (the fleet captures: their telling connections)', () => {
    const captures = smallCaptures();
    expect(new Set(EXPECTED.map((e) => e.capture))).toEqual(new Set(captures));
    for (const capture of captures) {
      // A fleet capture's every connection is asserted by captures/README.md's facts table (captures-facts.test.ts).
      if (capture.startsWith('fleet-')) continue;
      const listed = EXPECTED.filter((e) => e.capture === capture).length;
      expect(analyzed(capture).report.connections.length, capture).toBe(listed);
    }
  });

  it('marks the point where the client went silent, and the broker heartbeats it never answered', () => {
    const c = find('pika-long-callback.pcap', ':47712');
    const noted = c.timeline.filter((e) => e.note !== undefined).map((e) => [e.packet, e.note]);
    // Every unanswered heartbeat is noted with its number, and the client kernel's ACK of each: none folds away.
    expect(noted).toEqual([
      [22, "client's last frame"],
      [25, 'heartbeat 1 of 5, not answered'],
      [26, "client's kernel ACKs, no AMQP reply"],
      [27, 'heartbeat 2 of 5, not answered'],
      [28, "client's kernel ACKs, no AMQP reply"],
      [29, 'heartbeat 3 of 5, not answered'],
      [30, "client's kernel ACKs, no AMQP reply"],
      [31, 'heartbeat 4 of 5, not answered'],
      [32, "client's kernel ACKs, no AMQP reply"],
      [33, 'heartbeat 5 of 5, not answered'],
      [34, "client's kernel ACKs, no AMQP reply"],
      [35, "broker closes 12.0 s after the client's last byte (3.0 x T)"],
    ]);
    expect(c.end).toMatchObject({ onReceiverGrid: true, heartbeatMultiple: 3 });
    expect(c.end.explanation).toMatch(/Pika Python Client Library 1\.2\.0/);
    expect(c.end.explanation).toMatch(/process_data_events|add_callback_threadsafe/);
  });

  it('shows the malformed frame the client sent as its last row, with what could be read of it', () => {
    const c = find('frame-error-501.pcap', ':49082');
    const rows = c.timeline.filter((e) => e.dir === 'c2s' && e.kind === 'amqp').map((e) => [e.packet, e.type, e.summary]);
    expect(rows.slice(-2)).toEqual([
      [14, 'Channel.Open', 'Channel.Open'],
      [16, 'Basic.Qos (malformed)', 'Basic.Qos on channel 1 ends with 0x00 instead of 0xCE: malformed frame'],
    ]);
    expect(c.frames).toEqual({ clientToServer: 4, serverToClient: 6 }); // not counted as a frame
  });

  it('says which client went unreachable and that the broker retransmitted', () => {
    const c = find('netns-blackhole-heartbeat.pcap', ':56042');
    expect(c.timeline.some((e) => e.note === 'retransmitted: no TCP ACK from the client')).toBe(true);
    expect(c.end.explanation).toMatch(/retransmitted and never ACKed/);
  });

  it('finds the messages a dead consumer left unacked delivered again to the standby consumer', () => {
    const { report } = analyzed('pika-sigstop-consumer.pcap');
    expect(report.findings).toEqual([
      expect.objectContaining({ code: 'redelivered-after-close', from: '127.0.0.1:37594->127.0.0.1:5672', to: '127.0.0.1:37596->127.0.0.1:5672', count: 5 }),
    ]);
    const zw = analyzed('pika-sigstop-zero-window.pcap').report.findings;
    expect(zw.map((f) => [f.code, f.count])).toEqual([['redelivered-after-close', 2]]);
  });

  it('flags a long client zero window but not a momentary one', () => {
    const stalled = find('pika-sigstop-zero-window.pcap', ':37210').findings.find((f) => f.code === 'zero-window');
    const brief = find('pika-sigstop-zero-window.pcap', ':37226').findings.find((f) => f.code === 'zero-window');
    expect(stalled?.severity).toBe('warning');
    expect(brief?.severity).toBe('info');
  });

  it('reports the consumer_timeout channel error as an error with its reply text', () => {
    const f = find('pika-consumer-timeout.pcap', ':46060').findings.find((x) => x.code === 'channel-error');
    expect(f).toMatchObject({ severity: 'error', replyCode: 406, channel: 1, consumerTimeout: true });
  });

  it('infers T when the handshake was not captured, and says so', () => {
    const c = find('pika-midstream-idle.pcap', ':53594');
    expect(c.heartbeat).toEqual({ proposed: null, negotiated: null, inferred: 4 });
    expect(c.handshakeSeen).toBe(false);
    expect(c.end).toMatchObject({ heartbeatMultiple: 3, onReceiverGrid: false });
  });

  it('reports the blocked episode with its reason and duration', () => {
    const f = find('pika-blocked-memory-alarm.pcap', ':52198').findings.find((x) => x.code === 'connection-blocked');
    expect(f).toMatchObject({ reason: 'low on memory', packet: 299 });
    expect(f!['durationSeconds'] as number).toBeCloseTo(13.742545 - 3.331385, 5);
  });
});

/**
 * The JSON report: the contract of ../shared/docs/report-contract.md, plus fields that help. docs/report.schema.json
 * describes it for other tools; a test validates real reports against that schema.
 */
import type { FieldTable } from '../amqp/types.js';
import type { CaptureFormat } from '../capture/types.js';
import type { Cause, EndHow, FindingCode, Severity, Verdict } from '../diagnosis/types.js';
import type { Fleet } from '../fleet/types.js';
import type { Dir } from '../tcp/types.js';

/** A moment on the capture clock. */
export interface When {
  /** Seconds since the capture's first packet. */
  t: number;
  /** ISO-8601 UTC with the capture's precision. */
  at: string;
  /** 1-based packet number, as in Wireshark. */
  packet: number;
}

export interface ReportFinding extends When {
  code: FindingCode;
  severity: Severity;
  message: string;
  [evidence: string]: unknown;
}

export interface ReportFrame extends When {
  type: string;
  channel: number;
}

export interface ReportEvent extends When {
  dir: Dir;
  kind: 'amqp' | 'tcp' | 'tls' | 'elided';
  type: string;
  channel?: number;
  summary: string;
  note?: string;
  /** For kind 'elided': how many events are not shown. */
  count?: number;
  /** For kind 'elided': the run of the same traffic that every left-out event belongs to. */
  runs?: ReportRun[];
}

/** A run of the same traffic: `count` x `type` from one side, `bytes` of message bodies, from `from` to `to`. */
export interface ReportRun {
  dir: Dir;
  type: string;
  count: number;
  bytes: number;
  from: When;
  to: When;
}

export interface ReportTls {
  version: string | null;
  cipher: string | null;
  sni: string | null;
  alpn: string[] | null;
  decrypted: boolean;
}

export interface ReportSilence {
  dir: Dir;
  from: When;
  to: When | null;
  seconds: number;
  peerSegments: number;
  acks: number;
  peerRetransmissions: number;
  zeroWindows: number;
}

export interface DirectionCounts {
  clientToServer: number;
  serverToClient: number;
}

export interface ReportConnection {
  id: string;
  /** With several captures in one run: the file this connection was read from. */
  capture?: string;
  client: { address: string; port: number };
  server: { address: string; port: number };
  /** The connection's first captured packet. */
  opened: When;
  name: string | null;
  /** e.g. "Pika Python Client Library 1.2.0". */
  library: string | null;
  clientProperties: FieldTable | null;
  serverProperties: FieldTable | null;
  handshakeSeen: boolean;
  /** Present for a TLS connection (report-contract.md, AMQPS). */
  tls?: ReportTls;
  vhost: string | null;
  /** The user the client logged in as (Connection.Start-Ok, PLAIN or AMQPLAIN; the password is never read), or null. */
  user: string | null;
  /** `inferredFrom`: present when T was inferred from TLS records that could not be decrypted. */
  heartbeat: { proposed: number | null; negotiated: number | null; inferred: number | null; inferredFrom?: 'tls-records' };
  frameMax: number | null;
  channelMax: number | null;
  /** null counts: a TLS connection that was not decrypted (its records are not frames). */
  frames: DirectionCounts | { clientToServer: null; serverToClient: null };
  heartbeats: DirectionCounts;
  lastClientFrame: ReportFrame | null;
  lastServerFrame: ReportFrame | null;
  lastClientByte: When | null;
  lastServerByte: When | null;
  end: When & {
    verdict: Verdict;
    cause: Cause | null;
    severity: Severity;
    by: 'client' | 'server' | null;
    how: EndHow;
    replyCode: number | null;
    replyText: string | null;
    explanation: string;
    /**
     * Present (true) when the broker never answered: the TCP handshake completed and the client wrote, but no byte
     * came back before the client gave up or the capture ended (fleet `notAccepting`; read back by --merge).
     */
    notAccepted?: true;
    [evidence: string]: unknown;
  };
  /** The most severe of the verdict and the findings. */
  severity: Severity;
  tcp: {
    keepAlives: DirectionCounts;
    retransmissions: DirectionCounts;
    zeroWindows: DirectionCounts;
    gaps: DirectionCounts;
    payloadBytes: DirectionCounts;
  };
  unacked: number;
  silences: ReportSilence[];
  findings: ReportFinding[];
  /** Events the connection had in all; `timeline` holds a bounded selection of them. */
  eventCount: number;
  /** A large run left this (uneventful) connection's timeline out; --all keeps it. */
  timelineOmitted?: true;
  timeline: ReportEvent[];
}

export interface Report {
  schemaVersion: number;
  /**
   * Only in a report narrowed by --connection, --problems, --since or --until: how many connections it had before
   * (the fleet section, the headline included, still covers them all), and the options given.
   */
  narrowed?: { connections: number; filters: string[]; unnamed?: number; settingsOnly?: number };
  tool: { name: 'amqpscope'; version: string };
  capture: {
    path: string;
    format: CaptureFormat | null;
    linkTypes: { value: number; name: string }[];
    packets: number;
    bytes: number;
    start: string | null;
    durationSeconds: number;
    /** Packets that were not TCP of interest: counted, not analysed. */
    skipped: { notIp: number; notTcp: number; ipFragments: number; unsupportedLink: number; malformed: number; otherTcp: number };
    warnings: { code: string; message: string; offset?: number; packet?: number }[];
  };
  /** With several captures in one run (or --merge): one entry per capture; `capture` above is then the first. */
  captures?: Report['capture'][];
  /** The whole run at a glance: the answer at the top of the report. */
  fleet: Fleet;
  connections: ReportConnection[];
  findings: (ReportFinding & { from: string; to: string; count: number })[];
}

export type {
  Fleet as ReportFleet,
  FleetWave as ReportWave,
  FleetAlarm as ReportAlarm,
  FleetHandshakeRefusal as ReportHandshakeRefusal,
  FleetGroup as ReportFleetGroup,
  FleetReconnect as ReportReconnect,
  FleetReconnectLoop as ReportReconnectLoop,
} from '../fleet/types.js';

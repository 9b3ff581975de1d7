/**
 * What the AMQP session (session.ts) tells its listener and its readers: deliveries still unacknowledged, messages
 * assembled, acknowledgements and requeues, protocol anomalies, the negotiated tuning, channels and confirms.
 */
/** Where something happened: a Frame, a FrameView, or any other stamped record. */
export interface At {
  readonly packet: number;
  readonly tsSec: number;
  readonly tsNsec: number;
}

export type Direction = 'c2s' | 's2c';

/** How the session's parts report a protocol anomaly: as data, through the listener (d: C2S or S2C). */
export type IssueSink = (code: SessionIssueCode, d: number, channel: number, at: At, message: string) => void;

/** A delivery (Basic.Deliver, or Basic.Get-Ok without no-ack) the client has not yet settled. */
export interface UnackedDelivery {
  readonly channel: number;
  readonly deliveryTag: number;
  /** Null for Basic.Get-Ok. */
  readonly consumerTag: string | null;
  readonly via: 'deliver' | 'get';
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  /**
   * `mid:<message-id>`, or `h:<53-bit hex>:<body size>` (hash of exchange, routing key and body); null until the
   * message has been assembled (without a listener for messages or acks: until unacked() is asked, after that), and
   * for good when its body was cut by a gap or a protocol anomaly.
   */
  readonly identity: string | null;
  readonly messageId: string | null;
  readonly correlationId: string | null;
  /** From the content header; null until it is seen. */
  readonly bodySize: number | null;
  /**
   * False when the consumer's Basic.Consume (or the Basic.Get) was not captured, so whether it acks at all is a
   * guess: a no-ack consumer registered before the capture started would leave every delivery here forever.
   */
  readonly ackModeKnown: boolean;
  /** The Basic.Deliver / Basic.Get-Ok frame. */
  readonly packet: number;
  readonly tsSec: number;
  readonly tsNsec: number;
}

/** A content-carrying method with its header and body, assembled (or cut short). */
export interface CompletedMessage {
  dir: Direction;
  channel: number;
  /** Basic.Publish, Basic.Deliver, Basic.Get-Ok or Basic.Return. */
  method: string;
  /** The method's `redelivered` flag (Basic.Deliver and Basic.Get-Ok; false for the others). */
  redelivered: boolean;
  /** From the content header; null when the header never came. */
  bodySize: number | null;
  bodyReceived: number;
  /** Header and every body byte seen; false when cut by a gap, an unexpected frame or `finish()`. */
  complete: boolean;
  /** See UnackedDelivery.identity. Body hashes are computed for S->C Deliver and Get-Ok only: null otherwise. */
  identity: string | null;
  /** Start of the message: the method frame. */
  packet: number;
  tsSec: number;
  tsNsec: number;
  /** The frame that completed (or last contributed to) the message. */
  endPacket: number;
}

export type AckKind = 'ack' | 'nack' | 'reject';

/**
 * A Basic.Ack/Nack/Reject. C->S ones settle deliveries; S->C Ack/Nack are publisher confirms and settle published
 * sequence numbers (`settled` is then empty and `count` says how many).
 */
export interface AckEvent {
  dir: Direction;
  channel: number;
  kind: AckKind;
  deliveryTag: number;
  multiple: boolean;
  /** Nack and Reject only. */
  requeue: boolean | null;
  /** C->S: the deliveries settled. Shared empty array for confirms. Do not mutate. */
  settled: readonly UnackedDelivery[];
  count: number;
  /** False when the tag (the exact tag, with `multiple`) was not outstanding. */
  known: boolean;
  /**
   * True when RabbitMQ discards the frame because the channel or the connection was already closing (a Close was
   * seen); nothing is settled then.
   */
  ignored: boolean;
  /** Settled inside a transaction (Tx.Select): undone by Tx.Rollback, effective at Tx.Commit. */
  inTransaction: boolean;
  packet: number;
  tsSec: number;
  tsNsec: number;
}

/** Deliveries the broker takes back without an ack: it requeues them, so they come again with `redelivered`. */
export interface RequeueEvent {
  channel: number;
  /**
   * 'channel-close': Channel.Close or Close-Ok (either side; F10's 406 is one). 'recover': Basic.Recover or
   * Recover-Async with requeue. 'channel-reopen': Channel.Open on a channel whose close was not captured.
   */
  reason: 'channel-close' | 'recover' | 'channel-reopen';
  deliveries: UnackedDelivery[];
  /** The frame that caused it. */
  packet: number;
  tsSec: number;
  tsNsec: number;
}

export type SessionIssueCode = 'frame-error' | 'unknown-delivery-tag' | 'unexpected-frame';

export interface SessionIssue {
  code: SessionIssueCode;
  message: string;
  dir: Direction;
  channel: number;
  packet: number;
  tsSec: number;
  tsNsec: number;
}

/** Every callback is optional; event objects are only built for callbacks that exist. */
export interface SessionListener {
  onMessage?(msg: CompletedMessage): void;
  /**
   * A message delivered S->C with `redelivered` set, once assembled, when it has an identity: what the
   * cross-connection rules match. Cheaper than onMessage, which builds a record for every message.
   */
  onRedelivered?(identity: string, at: { packet: number; tsSec: number; tsNsec: number }): void;
  onAck?(ev: AckEvent): void;
  onRequeue?(ev: RequeueEvent): void;
  onIssue?(issue: SessionIssue): void;
}

export interface SessionOptions {
  /** Hash S->C bodies for message identity (default true). Without it, identities come from message-id only. */
  hashBodies?: boolean;
}

export interface TuneValues {
  channelMax: number;
  frameMax: number;
  heartbeat: number;
  packet: number;
  tsSec: number;
  tsNsec: number;
}

export interface CloseInfo {
  dir: Direction;
  replyCode: number;
  replyText: string;
  classId: number;
  methodId: number;
  packet: number;
  tsSec: number;
  tsNsec: number;
}

export interface ChannelInfo {
  channel: number;
  /** Channel.Open (or Open-Ok) seen and no close since. */
  open: boolean;
  /** Channel.Close or Close-Ok seen since the last open. */
  closed: boolean;
  unacked: number;
  /** The last Basic.Qos prefetch-count on the channel; null if none was seen. */
  prefetchCount: number | null;
  confirmMode: boolean;
  outstandingConfirms: number;
  txMode: boolean;
  /** Registered consumers (Basic.Consume not yet cancelled). */
  consumers: number;
}

export interface SessionStats {
  /** C->S Basic.Publish. */
  messagesPublished: number;
  /** S->C Basic.Deliver and Basic.Get-Ok. */
  messagesDelivered: number;
  /** Of those, with `redelivered` set. */
  redelivered: number;
  /** C->S Basic.Ack / Nack / Reject frames (one per frame, whatever `multiple` covered). */
  acks: number;
  nacks: number;
  rejects: number;
  /** S->C Basic.Return. */
  returned: number;
}

export interface ConfirmStats {
  /** Basic.Publish frames sent in confirm mode (each got a sequence number). */
  published: number;
  /** Sequence numbers settled by the broker's Basic.Ack / Basic.Nack. */
  acked: number;
  nacked: number;
  /** Published, not yet confirmed, on channels still open. */
  outstanding: number;
  /** Never confirmed because their channel closed first. */
  dropped: number;
}

// Method ids as class << 16 | method (hex reads like the spec: 0x003c_0028 is class 60 method 40).

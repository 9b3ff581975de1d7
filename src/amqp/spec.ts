/**
 * AMQP 0-9-1 as RabbitMQ speaks it: the ONE declarative table of classes, methods and their arguments, the basic
 * content properties and the reply codes. Everything else (the method decoder, name lookups, the resync plausibility
 * check, the derived `MethodName` type) is computed from these tables, so a method is added or fixed in one place.
 *
 * Sources: the 0-9-1 specification (amqp0-9-1.xml) and RabbitMQ's codegen file amqp-rabbitmq-0.9.1.json, which adds
 * the RabbitMQ extensions (Connection.Blocked/Unblocked/Update-Secret, Exchange.Bind/Unbind, Basic.Nack, Confirm)
 * and the 312 NO_ROUTE reply code. Handwritten from them, not generated: the protocol is frozen and the table is
 * about 70 entries.
 *
 * Argument names follow the specification's spelling (`no-wait`, `reply-code`, `delivery-tag`), with two deliberate
 * departures where reality differs from the text:
 * - RabbitMQ's codegen spells the bit `nowait`; the 0-9-1 XML (domain "no-wait") and the brief use `no-wait`.
 * - Where 0-9-1 renamed a field to `reserved-N` ("Deprecated: "ticket", must be zero"), we keep the 0-8 /
 *   RabbitMQ codegen name (`ticket`, `capabilities`, `insist`, `known-hosts`, `out-of-band`, `channel-id`,
 *   `cluster-id`), because two of those fields are NOT reserved in practice: the 0-9-1 XML says of Exchange.Declare
 *   `<!-- Deprecated: "auto-delete", must be zero --> reserved-2` and `<!-- Deprecated: "internal" --> reserved-3`,
 *   yet RabbitMQ implements both (auto-deleted and internal exchanges). A name that says what the bit does is worth
 *   more in a diagnosis than `reserved-2`.
 */

/** Wire domains of method arguments and content properties (spec §4.2.5). */
export type Domain = 'bit' | 'octet' | 'short' | 'long' | 'longlong' | 'shortstr' | 'longstr' | 'table' | 'timestamp';

export interface ArgSpec {
  readonly name: string;
  readonly type: Domain;
}

export interface MethodDef {
  readonly id: number;
  readonly name: string;
  readonly args: readonly (readonly [name: string, type: Domain])[];
  /** The method is followed by a content header and body frames (Publish, Return, Deliver, Get-Ok). */
  readonly content?: boolean;
}

export interface ClassDef {
  readonly id: number;
  readonly name: string;
  readonly methods: readonly MethodDef[];
}

// Shorthands keep the table readable; each row is [spec name, domain].
const CLOSE_ARGS = [
  ['reply-code', 'short'],
  ['reply-text', 'shortstr'],
  ['class-id', 'short'],
  ['method-id', 'short'],
] as const;

/**
 * The classes and methods, ids in decimal as the specification lists them (class 60 method 40 = Basic.Publish,
 * i.e. 0x003C0028). Consecutive `bit` arguments share octets, low bit first (spec §4.2.5.2: "Bits are accumulated
 * into whole octets. When two or more bits are contiguous in a frame these will be packed into one or more octets,
 * starting from the low bit in each octet.").
 */
export const CLASSES = [
  {
    id: 10,
    name: 'Connection',
    methods: [
      {
        id: 10,
        name: 'Start',
        args: [
          ['version-major', 'octet'],
          ['version-minor', 'octet'],
          ['server-properties', 'table'],
          ['mechanisms', 'longstr'],
          ['locales', 'longstr'],
        ],
      },
      {
        id: 11,
        name: 'Start-Ok',
        args: [
          ['client-properties', 'table'],
          ['mechanism', 'shortstr'],
          ['response', 'longstr'],
          ['locale', 'shortstr'],
        ],
      },
      { id: 20, name: 'Secure', args: [['challenge', 'longstr']] },
      { id: 21, name: 'Secure-Ok', args: [['response', 'longstr']] },
      {
        id: 30,
        name: 'Tune',
        args: [
          ['channel-max', 'short'],
          ['frame-max', 'long'],
          ['heartbeat', 'short'],
        ],
      },
      {
        id: 31,
        name: 'Tune-Ok',
        args: [
          ['channel-max', 'short'],
          ['frame-max', 'long'],
          ['heartbeat', 'short'],
        ],
      },
      {
        id: 40,
        name: 'Open',
        args: [
          ['virtual-host', 'shortstr'],
          ['capabilities', 'shortstr'], // 0-9-1: reserved-1
          ['insist', 'bit'], // 0-9-1: reserved-2
        ],
      },
      { id: 41, name: 'Open-Ok', args: [['known-hosts', 'shortstr']] }, // 0-9-1: reserved-1
      { id: 50, name: 'Close', args: CLOSE_ARGS },
      { id: 51, name: 'Close-Ok', args: [] },
      // RabbitMQ extensions (codegen JSON), sent only to clients advertising capabilities.connection.blocked.
      { id: 60, name: 'Blocked', args: [['reason', 'shortstr']] },
      { id: 61, name: 'Unblocked', args: [] },
      // RabbitMQ 3.8+ extension for OAuth token refresh; Wireshark shows it as `Connection.Unknown (70)`.
      {
        id: 70,
        name: 'Update-Secret',
        args: [
          ['new-secret', 'longstr'],
          ['reason', 'shortstr'],
        ],
      },
      { id: 71, name: 'Update-Secret-Ok', args: [] },
    ],
  },
  {
    id: 20,
    name: 'Channel',
    methods: [
      { id: 10, name: 'Open', args: [['out-of-band', 'shortstr']] }, // 0-9-1: reserved-1
      { id: 11, name: 'Open-Ok', args: [['channel-id', 'longstr']] }, // 0-9-1: reserved-1
      { id: 20, name: 'Flow', args: [['active', 'bit']] },
      { id: 21, name: 'Flow-Ok', args: [['active', 'bit']] },
      { id: 40, name: 'Close', args: CLOSE_ARGS },
      { id: 41, name: 'Close-Ok', args: [] },
    ],
  },
  {
    // Removed from 0-9-1 but still in RabbitMQ's codegen and answered by the broker (old clients send it).
    id: 30,
    name: 'Access',
    methods: [
      {
        id: 10,
        name: 'Request',
        args: [
          ['realm', 'shortstr'],
          ['exclusive', 'bit'],
          ['passive', 'bit'],
          ['active', 'bit'],
          ['write', 'bit'],
          ['read', 'bit'],
        ],
      },
      { id: 11, name: 'Request-Ok', args: [['ticket', 'short']] },
    ],
  },
  {
    id: 40,
    name: 'Exchange',
    methods: [
      {
        id: 10,
        name: 'Declare',
        args: [
          ['ticket', 'short'],
          ['exchange', 'shortstr'],
          ['type', 'shortstr'],
          ['passive', 'bit'],
          ['durable', 'bit'],
          ['auto-delete', 'bit'], // 0-9-1: reserved-2 "must be zero"; RabbitMQ implements it
          ['internal', 'bit'], // 0-9-1: reserved-3 "must be zero"; RabbitMQ implements it
          ['no-wait', 'bit'],
          ['arguments', 'table'],
        ],
      },
      { id: 11, name: 'Declare-Ok', args: [] },
      {
        id: 20,
        name: 'Delete',
        args: [
          ['ticket', 'short'],
          ['exchange', 'shortstr'],
          ['if-unused', 'bit'],
          ['no-wait', 'bit'],
        ],
      },
      { id: 21, name: 'Delete-Ok', args: [] },
      // Exchange-to-exchange bindings are a RabbitMQ extension.
      {
        id: 30,
        name: 'Bind',
        args: [
          ['ticket', 'short'],
          ['destination', 'shortstr'],
          ['source', 'shortstr'],
          ['routing-key', 'shortstr'],
          ['no-wait', 'bit'],
          ['arguments', 'table'],
        ],
      },
      { id: 31, name: 'Bind-Ok', args: [] },
      {
        id: 40,
        name: 'Unbind',
        args: [
          ['ticket', 'short'],
          ['destination', 'shortstr'],
          ['source', 'shortstr'],
          ['routing-key', 'shortstr'],
          ['no-wait', 'bit'],
          ['arguments', 'table'],
        ],
      },
      // 51, not 41: RabbitMQ's codegen numbers it so (older Wireshark copies decoded 41).
      { id: 51, name: 'Unbind-Ok', args: [] },
    ],
  },
  {
    id: 50,
    name: 'Queue',
    methods: [
      {
        id: 10,
        name: 'Declare',
        args: [
          ['ticket', 'short'],
          ['queue', 'shortstr'],
          ['passive', 'bit'],
          ['durable', 'bit'],
          ['exclusive', 'bit'],
          ['auto-delete', 'bit'],
          ['no-wait', 'bit'],
          ['arguments', 'table'],
        ],
      },
      {
        id: 11,
        name: 'Declare-Ok',
        args: [
          ['queue', 'shortstr'],
          ['message-count', 'long'],
          ['consumer-count', 'long'],
        ],
      },
      {
        id: 20,
        name: 'Bind',
        args: [
          ['ticket', 'short'],
          ['queue', 'shortstr'],
          ['exchange', 'shortstr'],
          ['routing-key', 'shortstr'],
          ['no-wait', 'bit'],
          ['arguments', 'table'],
        ],
      },
      { id: 21, name: 'Bind-Ok', args: [] },
      {
        id: 30,
        name: 'Purge',
        args: [
          ['ticket', 'short'],
          ['queue', 'shortstr'],
          ['no-wait', 'bit'],
        ],
      },
      { id: 31, name: 'Purge-Ok', args: [['message-count', 'long']] },
      {
        id: 40,
        name: 'Delete',
        args: [
          ['ticket', 'short'],
          ['queue', 'shortstr'],
          ['if-unused', 'bit'],
          ['if-empty', 'bit'],
          ['no-wait', 'bit'],
        ],
      },
      { id: 41, name: 'Delete-Ok', args: [['message-count', 'long']] },
      {
        // No no-wait bit: Queue.Unbind always gets an Unbind-Ok.
        id: 50,
        name: 'Unbind',
        args: [
          ['ticket', 'short'],
          ['queue', 'shortstr'],
          ['exchange', 'shortstr'],
          ['routing-key', 'shortstr'],
          ['arguments', 'table'],
        ],
      },
      { id: 51, name: 'Unbind-Ok', args: [] },
    ],
  },
  {
    id: 60,
    name: 'Basic',
    methods: [
      {
        id: 10,
        name: 'Qos',
        args: [
          ['prefetch-size', 'long'],
          ['prefetch-count', 'short'],
          ['global', 'bit'],
        ],
      },
      { id: 11, name: 'Qos-Ok', args: [] },
      {
        id: 20,
        name: 'Consume',
        args: [
          ['ticket', 'short'],
          ['queue', 'shortstr'],
          ['consumer-tag', 'shortstr'],
          ['no-local', 'bit'],
          ['no-ack', 'bit'],
          ['exclusive', 'bit'],
          ['no-wait', 'bit'],
          ['arguments', 'table'],
        ],
      },
      { id: 21, name: 'Consume-Ok', args: [['consumer-tag', 'shortstr']] },
      {
        // Sent by the broker too, as a consumer cancel notification (capabilities.consumer_cancel_notify).
        id: 30,
        name: 'Cancel',
        args: [
          ['consumer-tag', 'shortstr'],
          ['no-wait', 'bit'],
        ],
      },
      { id: 31, name: 'Cancel-Ok', args: [['consumer-tag', 'shortstr']] },
      {
        id: 40,
        name: 'Publish',
        content: true,
        args: [
          ['ticket', 'short'],
          ['exchange', 'shortstr'],
          ['routing-key', 'shortstr'],
          ['mandatory', 'bit'],
          ['immediate', 'bit'],
        ],
      },
      {
        id: 50,
        name: 'Return',
        content: true,
        args: [
          ['reply-code', 'short'],
          ['reply-text', 'shortstr'],
          ['exchange', 'shortstr'],
          ['routing-key', 'shortstr'],
        ],
      },
      {
        id: 60,
        name: 'Deliver',
        content: true,
        args: [
          ['consumer-tag', 'shortstr'],
          ['delivery-tag', 'longlong'],
          ['redelivered', 'bit'],
          ['exchange', 'shortstr'],
          ['routing-key', 'shortstr'],
        ],
      },
      {
        id: 70,
        name: 'Get',
        args: [
          ['ticket', 'short'],
          ['queue', 'shortstr'],
          ['no-ack', 'bit'],
        ],
      },
      {
        id: 71,
        name: 'Get-Ok',
        content: true,
        args: [
          ['delivery-tag', 'longlong'],
          ['redelivered', 'bit'],
          ['exchange', 'shortstr'],
          ['routing-key', 'shortstr'],
          ['message-count', 'long'],
        ],
      },
      { id: 72, name: 'Get-Empty', args: [['cluster-id', 'shortstr']] }, // 0-9-1: reserved-1
      {
        id: 80,
        name: 'Ack',
        args: [
          ['delivery-tag', 'longlong'],
          ['multiple', 'bit'],
        ],
      },
      {
        id: 90,
        name: 'Reject',
        args: [
          ['delivery-tag', 'longlong'],
          ['requeue', 'bit'],
        ],
      },
      { id: 100, name: 'Recover-Async', args: [['requeue', 'bit']] },
      { id: 110, name: 'Recover', args: [['requeue', 'bit']] },
      { id: 111, name: 'Recover-Ok', args: [] },
      // RabbitMQ extension.
      {
        id: 120,
        name: 'Nack',
        args: [
          ['delivery-tag', 'longlong'],
          ['multiple', 'bit'],
          ['requeue', 'bit'],
        ],
      },
    ],
  },
  {
    // RabbitMQ extension (publisher confirms). Codegen spells the bit `nowait`.
    id: 85,
    name: 'Confirm',
    methods: [
      { id: 10, name: 'Select', args: [['no-wait', 'bit']] },
      { id: 11, name: 'Select-Ok', args: [] },
    ],
  },
  {
    id: 90,
    name: 'Tx',
    methods: [
      { id: 10, name: 'Select', args: [] },
      { id: 11, name: 'Select-Ok', args: [] },
      { id: 20, name: 'Commit', args: [] },
      { id: 21, name: 'Commit-Ok', args: [] },
      { id: 30, name: 'Rollback', args: [] },
      { id: 31, name: 'Rollback-Ok', args: [] },
    ],
  },
] as const satisfies readonly ClassDef[];

type ClassTable = typeof CLASSES;
type AnyClass = ClassTable[number];

/** `Class.Method` in the spec's spelling, derived from the table: `'Basic.Consume-Ok' | 'Connection.Tune' | ...`. */
export type MethodName = {
  [C in AnyClass as C['name']]: `${C['name']}.${C['methods'][number]['name']}`;
}[AnyClass['name']];

export type ClassName = AnyClass['name'];

/** The argument names of one method, derived from the table: `MethodArgName<'Basic.Ack'>` = 'delivery-tag' | 'multiple'. */
export type MethodArgName<N extends MethodName> = {
  [C in AnyClass as C['name']]: {
    [M in C['methods'][number] as `${C['name']}.${M['name']}`]: M['args'][number][0];
  };
}[AnyClass['name']] extends infer T
  ? T extends Record<N, infer A>
    ? A
    : never
  : never;

/**
 * Numeric codes of the domains, used by the decoder's switch (small integers keep it monomorphic and fast). Plain
 * constants rather than a `const enum`, which isolatedModules/esbuild cannot inline across files.
 */
export const D_BIT = 0;
export const D_OCTET = 1;
export const D_SHORT = 2;
export const D_LONG = 3;
export const D_LONGLONG = 4;
export const D_SHORTSTR = 5;
export const D_LONGSTR = 6;
export const D_TABLE = 7;
export const D_TIMESTAMP = 8;
export type DomainCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const DOMAIN_CODES: Record<Domain, DomainCode> = {
  bit: D_BIT,
  octet: D_OCTET,
  short: D_SHORT,
  long: D_LONG,
  longlong: D_LONGLONG,
  shortstr: D_SHORTSTR,
  longstr: D_LONGSTR,
  table: D_TABLE,
  timestamp: D_TIMESTAMP,
};

/** One method, compiled from the table for the decoder: parallel arrays of argument names and domain codes. */
export interface MethodInfo {
  readonly classId: number;
  readonly methodId: number;
  /** `Class.Method`, e.g. `Basic.Publish`. */
  readonly name: MethodName;
  readonly className: ClassName;
  readonly argNames: readonly string[];
  readonly argTypes: readonly DomainCode[];
  readonly args: readonly ArgSpec[];
  readonly content: boolean;
}

/** Key of the method index: class id in the high 16 bits, method id in the low 16 (0x003C0028 = Basic.Publish). */
export function methodKey(classId: number, methodId: number): number {
  return classId * 0x10000 + methodId;
}

const METHOD_INDEX = new Map<number, MethodInfo>();
/** Two-level array index, [classId][methodId]: cheaper than a Map lookup on the per-frame path. */
const METHOD_ARRAY: (MethodInfo | undefined)[][] = [];
const METHOD_BY_NAME = new Map<string, MethodInfo>();
const CLASS_NAMES = new Map<number, ClassName>();

for (const c of CLASSES as readonly ClassDef[]) {
  CLASS_NAMES.set(c.id, c.name as ClassName);
  for (const m of c.methods) {
    const info: MethodInfo = {
      classId: c.id,
      methodId: m.id,
      name: `${c.name}.${m.name}` as MethodName,
      className: c.name as ClassName,
      argNames: m.args.map((a) => a[0]),
      argTypes: m.args.map((a) => DOMAIN_CODES[a[1]]),
      args: m.args.map((a) => ({ name: a[0], type: a[1] })),
      content: m.content === true,
    };
    METHOD_INDEX.set(methodKey(c.id, m.id), info);
    (METHOD_ARRAY[c.id] ??= [])[m.id] = info;
    METHOD_BY_NAME.set(info.name, info);
  }
}

/** The method with these ids, or undefined for ids outside the table. */
export function methodInfo(classId: number, methodId: number): MethodInfo | undefined {
  const c = METHOD_ARRAY[classId];
  return c === undefined ? undefined : c[methodId];
}

export function methodByName(name: string): MethodInfo | undefined {
  return METHOD_BY_NAME.get(name);
}

export function className(classId: number): ClassName | undefined {
  return CLASS_NAMES.get(classId);
}

/** Every method of the table, in table order. */
export function allMethods(): MethodInfo[] {
  return [...METHOD_INDEX.values()];
}

/**
 * The display name of a method frame's ids: `Basic.Publish`; for ids outside the table `Connection.Unknown(99)`
 * (known class) or `Unknown(99).Unknown(10)`.
 */
export function methodName(classId: number, methodId: number): string {
  const m = METHOD_INDEX.get(methodKey(classId, methodId));
  if (m !== undefined) return m.name;
  const c = CLASS_NAMES.get(classId);
  return `${c ?? `Unknown(${classId})`}.Unknown(${methodId})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Content header properties

/** The one content class of 0-9-1 (Basic); content headers of any other class are malformed. */
export const BASIC_CLASS_ID = 60;

/**
 * The fourteen Basic properties in flag order. The property-flags word is read high bit first: the first property
 * (content-type) is bit 15 (0x8000), the fourteenth (cluster-id) bit 2 (0x0004). Bit 0 would announce a further flags
 * word; bit 1 is unused.
 */
export const BASIC_PROPERTIES = [
  ['content-type', 'shortstr'],
  ['content-encoding', 'shortstr'],
  ['headers', 'table'],
  ['delivery-mode', 'octet'],
  ['priority', 'octet'],
  ['correlation-id', 'shortstr'],
  ['reply-to', 'shortstr'],
  ['expiration', 'shortstr'],
  ['message-id', 'shortstr'],
  ['timestamp', 'timestamp'],
  ['type', 'shortstr'],
  ['user-id', 'shortstr'],
  ['app-id', 'shortstr'],
  ['cluster-id', 'shortstr'], // deprecated in 0-9-1 ("reserved"), still in the flags word
] as const satisfies readonly (readonly [string, Domain])[];

export type BasicPropertyName = (typeof BASIC_PROPERTIES)[number][0];

export const BASIC_PROPERTY_NAMES: readonly BasicPropertyName[] = BASIC_PROPERTIES.map((p) => p[0]);
export const BASIC_PROPERTY_TYPES: readonly DomainCode[] = BASIC_PROPERTIES.map((p) => DOMAIN_CODES[p[1]]);
/** Flag bit of each property, same order: 0x8000, 0x4000, ... 0x0004. */
export const BASIC_PROPERTY_FLAGS: readonly number[] = BASIC_PROPERTIES.map((_, i) => 1 << (15 - i));

// ---------------------------------------------------------------------------------------------------------------
// Reply codes

export interface ReplyCodeInfo {
  readonly code: number;
  /** Spec constant name in RabbitMQ's error-text spelling, e.g. `NOT_FOUND` (the XML writes `not-found`). */
  readonly name: string;
  /** Soft errors close a channel, hard errors the connection (spec "class" attribute). */
  readonly kind: 'success' | 'soft' | 'hard';
}

/** From RabbitMQ's codegen JSON; 312 NO_ROUTE is in the codegen file but missing from the 0-9-1 XML. */
export const REPLY_CODES: readonly ReplyCodeInfo[] = [
  { code: 200, name: 'REPLY_SUCCESS', kind: 'success' },
  { code: 311, name: 'CONTENT_TOO_LARGE', kind: 'soft' },
  { code: 312, name: 'NO_ROUTE', kind: 'soft' },
  { code: 313, name: 'NO_CONSUMERS', kind: 'soft' },
  { code: 320, name: 'CONNECTION_FORCED', kind: 'hard' },
  { code: 402, name: 'INVALID_PATH', kind: 'hard' },
  { code: 403, name: 'ACCESS_REFUSED', kind: 'soft' },
  { code: 404, name: 'NOT_FOUND', kind: 'soft' },
  { code: 405, name: 'RESOURCE_LOCKED', kind: 'soft' },
  { code: 406, name: 'PRECONDITION_FAILED', kind: 'soft' },
  { code: 501, name: 'FRAME_ERROR', kind: 'hard' },
  { code: 502, name: 'SYNTAX_ERROR', kind: 'hard' },
  { code: 503, name: 'COMMAND_INVALID', kind: 'hard' },
  { code: 504, name: 'CHANNEL_ERROR', kind: 'hard' },
  { code: 505, name: 'UNEXPECTED_FRAME', kind: 'hard' },
  { code: 506, name: 'RESOURCE_ERROR', kind: 'hard' },
  { code: 530, name: 'NOT_ALLOWED', kind: 'hard' },
  { code: 540, name: 'NOT_IMPLEMENTED', kind: 'hard' },
  { code: 541, name: 'INTERNAL_ERROR', kind: 'hard' },
];

const REPLY_BY_CODE = new Map(REPLY_CODES.map((r) => [r.code, r]));

export function replyCodeInfo(code: number): ReplyCodeInfo | undefined {
  return REPLY_BY_CODE.get(code);
}

/** `NO_ROUTE` for 312; `UNKNOWN_REPLY_CODE(999)` for codes outside the table. */
export function replyCodeName(code: number): string {
  return REPLY_BY_CODE.get(code)?.name ?? `UNKNOWN_REPLY_CODE(${code})`;
}

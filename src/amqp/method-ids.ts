/**
 * The methods the session (session.ts) follows, as one number: class id * 0x10000 + method id (AMQP 0-9-1 §1.4),
 * the key its dispatch switches on.
 */
export const CONNECTION_START = 0x000a000a;
export const CONNECTION_START_OK = 0x000a000b;
export const CONNECTION_TUNE = 0x000a001e;
export const CONNECTION_TUNE_OK = 0x000a001f;
export const CONNECTION_OPEN = 0x000a0028;
export const CONNECTION_OPEN_OK = 0x000a0029;
export const CONNECTION_CLOSE = 0x000a0032;
export const CONNECTION_CLOSE_OK = 0x000a0033;
export const CHANNEL_OPEN = 0x0014000a;
export const CHANNEL_OPEN_OK = 0x0014000b;
export const CHANNEL_CLOSE = 0x00140028;
export const CHANNEL_CLOSE_OK = 0x00140029;
export const BASIC_QOS = 0x003c000a;
export const BASIC_CONSUME = 0x003c0014;
export const BASIC_CONSUME_OK = 0x003c0015;
export const BASIC_CANCEL = 0x003c001e;
export const BASIC_CANCEL_OK = 0x003c001f;
export const BASIC_PUBLISH = 0x003c0028;
export const BASIC_RETURN = 0x003c0032;
export const BASIC_DELIVER = 0x003c003c;
export const BASIC_GET = 0x003c0046;
export const BASIC_GET_OK = 0x003c0047;
export const BASIC_GET_EMPTY = 0x003c0048;
export const BASIC_ACK = 0x003c0050;
export const BASIC_REJECT = 0x003c005a;
export const BASIC_RECOVER_ASYNC = 0x003c0064;
export const BASIC_RECOVER = 0x003c006e;
export const BASIC_NACK = 0x003c0078;
export const CONFIRM_SELECT = 0x0055000a;
export const CONFIRM_SELECT_OK = 0x0055000b;
export const TX_SELECT = 0x005a000a;
export const TX_COMMIT = 0x005a0014;
export const TX_ROLLBACK = 0x005a001e;

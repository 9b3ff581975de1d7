/**
 * Why RabbitMQ refused a connection during the handshake, read from its Connection.Close (failure-modes.md F15, F16).
 * The texts are rabbit_reader's, after the reply code's name ("NOT_ALLOWED - ..."):
 *   530 "access to vhost 'V' refused for user 'U': connection limit (N) is reached"   (set_vhost_limits)
 *   530 "connection refused for user 'U': user connection limit (N) is reached"        (set_user_limits)
 *   530 "connection refused: node connection limit (N) is reached"                     (rabbitmq.conf connection_max)
 *   530 "access to vhost 'V' refused for user 'U'"                                      (no permissions on V)
 *   530 "vhost V not found"
 *   403 "Login was refused using authentication mechanism PLAIN. ..."                  (at login)
 * The vhost and user names come from the wire: they are hostile text, returned as they are for the renderers to
 * escape.
 */

export type RefusalReason = 'vhost-connection-limit' | 'user-connection-limit' | 'node-connection-limit' | 'vhost-access' | 'vhost-not-found' | 'login' | 'other';

export interface Refusal {
  reason: RefusalReason;
  /** The connection limit the broker names, for the three limit reasons. */
  limit: number | null;
  /** The vhost it names, when it names one. */
  vhost: string | null;
  /** The user it names, when it names one. */
  user: string | null;
}

/** Reply texts are short strings (at most 255 bytes on the wire); matching stops there anyway. */
const MAX_TEXT = 512;

// Case-blind: RabbitMQ's wording has changed case between releases (3.8's "Connection refused for user").
const VHOST_LIMIT = /access to vhost '(.*)' refused for user '(.*)': connection limit \((\d+)\) is reached/i;
const USER_LIMIT = /connection refused for user '(.*)': user connection limit \((\d+)\) is reached/i;
const NODE_LIMIT = /node connection limit \((\d+)\) is reached/i;
const VHOST_ACCESS = /access to vhost '(.*)' refused for user '(.*)'$/i;
const VHOST_NOT_FOUND = /vhost (.*) not found$/i;

const LOGIN_REFUSED = /login was refused/i;

/**
 * A broker's Connection.Close that only the handshake can get: a refused login, or one of the 530 refusals above.
 * It tells a refusal also in a capture that joined after the handshake began (its Start not in it).
 */
export function handshakeOnlyRefusal(replyCode: number, replyText: string | null): boolean {
  if (replyCode === 403) return LOGIN_REFUSED.test((replyText ?? '').slice(0, MAX_TEXT));
  return refusalOf(replyCode, replyText).reason !== 'other';
}

/** The refusal a handshake's Connection.Close from the broker stands for. */
export function refusalOf(replyCode: number, replyText: string | null): Refusal {
  const text = (replyText ?? '').slice(0, MAX_TEXT);
  const none = { limit: null, vhost: null, user: null };
  if (replyCode === 403) return { reason: 'login', ...none };
  if (replyCode !== 530) return { reason: 'other', ...none };
  let m = VHOST_LIMIT.exec(text);
  if (m !== null) return { reason: 'vhost-connection-limit', limit: Number(m[3]), vhost: m[1]!, user: m[2]! };
  m = USER_LIMIT.exec(text);
  if (m !== null) return { reason: 'user-connection-limit', limit: Number(m[2]), vhost: null, user: m[1]! };
  m = NODE_LIMIT.exec(text);
  if (m !== null) return { reason: 'node-connection-limit', limit: Number(m[1]), vhost: null, user: null };
  m = VHOST_ACCESS.exec(text);
  if (m !== null) return { reason: 'vhost-access', limit: null, vhost: m[1]!, user: m[2]! };
  m = VHOST_NOT_FOUND.exec(text);
  if (m !== null) return { reason: 'vhost-not-found', limit: null, vhost: m[1]!, user: null };
  return { reason: 'other', ...none };
}

/** A connection's end as the refusal rules read it: a judgement, a report's end, a fleet member. */
export interface RefusedEnd {
  verdict: string;
  by: 'client' | 'server' | null;
  how: string | null;
  replyCode: number | null;
  replyText: string | null;
}

/** The broker refused the connection during the handshake: a handshake-failed verdict on its Connection.Close. */
export function refusedDuringHandshake(e: RefusedEnd): e is RefusedEnd & { replyCode: number } {
  return e.verdict === 'handshake-failed' && e.by === 'server' && e.how === 'amqp-close' && e.replyCode !== null;
}

/**
 * Refusals with one meaning share a key: the reason, and for an unknown one its exact text. The user a limit text
 * names is left out where the limit is not the user's (a vhost's or node's limit refuses every user alike); a
 * refused login is one reason per login user (`loginUser`: the text is the same for all).
 */
export function refusalKey(code: number, text: string | null, r: Refusal, loginUser: string | null): string {
  if (r.reason === 'other') return `${code}\u0000${text ?? ''}`;
  const user = r.reason === 'login' ? (loginUser ?? '') : r.reason === 'vhost-connection-limit' || r.reason === 'node-connection-limit' ? '' : (r.user ?? '');
  return `${code}\u0000${r.reason}\u0000${r.limit ?? ''}\u0000${r.vhost ?? ''}\u0000${user}`;
}

/** The key of a connection's handshake refusal (refusalKey), or null when its end is no such refusal. */
export function handshakeRefusalKey(e: RefusedEnd, loginUser: string | null): string | null {
  return refusedDuringHandshake(e) ? refusalKey(e.replyCode, e.replyText, refusalOf(e.replyCode, e.replyText), loginUser) : null;
}

/** What the broker said, short: "the vhost '/' is at its connection limit (4)"; an unknown reason by its text. */
export function refusalReason(r: Refusal, replyText: string | null): string {
  switch (r.reason) {
    case 'vhost-connection-limit':
      return `the vhost '${r.vhost}' is at its connection limit (${r.limit})`;
    case 'user-connection-limit':
      return `the user '${r.user}' is at its connection limit (${r.limit})`;
    case 'node-connection-limit':
      return `the node is at its connection limit (${r.limit})`;
    case 'vhost-access':
      return `the user '${r.user}' may not open the vhost '${r.vhost}'`;
    case 'vhost-not-found':
      return `the vhost '${r.vhost}' does not exist`;
    case 'login':
      return 'the login was refused (wrong credentials?)';
    default:
      return `"${replyText ?? ''}"`;
  }
}

/** Whether retrying can succeed without a change on either side: a connection limit frees up as others close. */
export function retryMaySucceed(r: Refusal): boolean {
  return r.reason === 'vhost-connection-limit' || r.reason === 'user-connection-limit' || r.reason === 'node-connection-limit';
}

/**
 * What the refusal means and what fixes it, for a connection's explanation and a fleet's refusals: null for a reason
 * this module does not know (the caller says the reply code and text).
 */
export function refusalAdvice(r: Refusal): string | null {
  const q = (s: string | null) => `'${s ?? ''}'`;
  switch (r.reason) {
    case 'vhost-connection-limit':
      return `The vhost ${q(r.vhost)} is at its connection limit (${r.limit}): RabbitMQ refuses every new connection to it at Connection.Open until one of its connections closes, so a client's retries fail until then. Fix: raise the limit (rabbitmqctl set_vhost_limits -p ${q(r.vhost)} '{"max-connections": N}'), or find what holds the connections (rabbitmqctl list_connections vhost user name): a connection leak, or clients that reconnect without closing their old connections.`;
    case 'user-connection-limit':
      return `The user ${q(r.user)} is at its connection limit (${r.limit}): RabbitMQ refuses its new connections at Connection.Open until one of them closes. Fix: raise the limit (rabbitmqctl set_user_limits ${q(r.user)} '{"max-connections": N}'), or find what holds the connections (rabbitmqctl list_connections user name): a leak, or a reconnect storm.`;
    case 'node-connection-limit':
      return `The broker node is at its connection_max (${r.limit}): it refuses every new connection at Connection.Open until one closes. Fix: raise connection_max in rabbitmq.conf, spread clients over the cluster's nodes, or find what holds the connections.`;
    case 'vhost-access':
      return `The user ${q(r.user)} may not open the vhost ${q(r.vhost)}: retrying will not change that. Fix: the user's permissions (rabbitmqctl set_permissions -p ${q(r.vhost)} ${q(r.user)} ...) or the vhost the client names.`;
    case 'vhost-not-found':
      return `The vhost ${q(r.vhost)} does not exist on this broker: retrying will not change that. Fix: the vhost the client names, or create it (rabbitmqctl add_vhost).`;
    case 'login':
      return `The broker refused the login: a wrong user name or password (a credential rotated on the broker but not in this client's configuration?), or RabbitMQ's guest user connecting from another host. Retrying will not change that. Fix: the client's credentials.`;
    default:
      return null;
  }
}

/**
 * Handshake refusals: connections the broker closed during the handshake (Connection.Close before Open-Ok) for one
 * reason, said once for the fleet. A vhost at its connection limit refuses every client that retries until a
 * connection closes; a rotated password has one service's processes refused at every login. Connection by connection
 * these read as dozens of handshake failures, and each host's reconnect loop as its own problem.
 *
 * A refusal is kept when at least MIN_REFUSED connections share the reply code and reason (refusal.ts reads the
 * reason from RabbitMQ's text: a limit, a vhost, a login); "admitted" counts the refused clients (processes, where
 * connection names tell them apart) that got a connection of their own through the handshake after their last
 * refusal.
 */
import { replyCodeName } from '../amqp/names.js';
import { handshakeRefusalKey, refusalAdvice, refusalOf, refusalReason, retryMaySucceed, type Refusal } from '../diagnosis/refusal.js';
import { timeSpan, type Clock } from './clock.js';
import { grouped, listed, median, micros, plural, spoken } from './stats.js';
import { compareInstants, type FleetHandshakeRefusal, type FleetMember, type FleetReconnectLoop, type Instant } from './types.js';

/** As for waves: fewer refused connections are told one by one. */
const MIN_REFUSED = 3;
const MAX_LISTED = 50;
/** Refusals kept in the report (the largest); the others are counted. */
export const MAX_REFUSALS = 10;

/**
 * Who each connection's client is: one process when connection names tell processes apart (APP:PID:UUID: several
 * connections share the name without its UUID), else a host and application (a name unique to each connection, a
 * counter in it, says nothing of processes). Each member's key, made once, and the members of each client.
 */
interface Clients {
  of: Map<FleetMember, string>;
  members: Map<string, FleetMember[]>;
}

function clientsOf(all: readonly FleetMember[]): Clients {
  const instanceOf = (m: FleetMember) => (m.instance !== null ? `${m.host}\u0000${m.instance}` : null);
  const perInstance = new Map<string, number>();
  for (const m of all) {
    const i = instanceOf(m);
    if (i !== null) perInstance.set(i, (perInstance.get(i) ?? 0) + 1);
  }
  const clients: Clients = { of: new Map(), members: new Map() };
  for (const m of all) {
    const i = instanceOf(m);
    const key = i !== null && (perInstance.get(i) ?? 0) > 1 ? `p\u0000${i}` : `a\u0000${m.host}\u0000${m.application ?? ''}`;
    clients.of.set(m, key);
    const list = clients.members.get(key);
    if (list === undefined) clients.members.set(key, [m]);
    else list.push(m);
  }
  return clients;
}

/** Past the login: it went on to tuning, or further (a refusal at Connection.Open comes after a good login). */
function loggedIn(m: FleetMember): boolean {
  return m.verdict === 'handshake-failed' ? m.replyCode !== null && m.replyCode !== 403 : m.handshakeDone;
}

/** 127.0.0.0/8 or ::1: RabbitMQ's loopback_users accepts guest from these. */
function loopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1';
}

/**
 * A refusal and what the headline and the loops need of it: its sentence, and every refused connection, host and
 * application (the refusal's own lists stop at 50).
 */
export interface ToldRefusal {
  refusal: FleetHandshakeRefusal;
  summary: string;
  ids: ReadonlySet<string>;
  hosts: ReadonlySet<string>;
  applications: ReadonlySet<string>;
}

/** `loops`: the run's reconnect loops, whose delays say how often the refused clients retried. */
export function findRefusals(members: readonly FleetMember[], loops: readonly FleetReconnectLoop[], clock: Clock): ToldRefusal[] {
  const groups = new Map<string, FleetMember[]>();
  for (const m of members) {
    const key = m.ended !== null ? handshakeRefusalKey(m, m.user) : null;
    if (key === null) continue;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [m]);
    else g.push(m);
  }
  joinUnknownUsers(groups);
  const told: ToldRefusal[] = [];
  // Every member's client key, made only when there is a refusal to tell (10,000 healthy connections: 20 ms).
  let clients: Clients | null = null;
  for (const g of groups.values()) if (g.length >= MIN_REFUSED) told.push(refusalFrom(g, members, loops, (clients ??= clientsOf(members)), clock));
  return told.sort((a, b) => b.refusal.count - a.refusal.count || a.refusal.t - b.refusal.t);
}

/**
 * A refused login whose user is unknown (its Start-Ok before the capture: the key's user part is empty, its last)
 * belongs with the refusal of the same reply when there is exactly one: it was told apart, as "another problem
 * connection", in windows cut from fleet-login-refused-storm.
 */
function joinUnknownUsers(groups: Map<string, FleetMember[]>): void {
  for (const [key, list] of [...groups]) {
    if (!key.includes('\u0000login\u0000') || !key.endsWith('\u0000') || list.some((m) => m.user !== null)) continue;
    const same = [...groups.keys()].filter((k) => k !== key && k.startsWith(key));
    if (same.length !== 1) continue;
    groups.get(same[0]!)!.push(...list);
    groups.delete(key);
  }
}

function refusalFrom(refused: FleetMember[], all: readonly FleetMember[], loops: readonly FleetReconnectLoop[], clients: Clients, clock: Clock): ToldRefusal {
  refused.sort((a, b) => compareInstants(a.ended!, b.ended!));
  const first = refused[0]!;
  // One key, one meaning: the first member's reading of the reply stands for all.
  const refusal = refusalOf(first.replyCode!, first.replyText);
  const last = refused[refused.length - 1]!;
  const hosts = [...new Set(refused.map((m) => m.host))];
  const applications = [...new Set(refused.flatMap((m) => (m.application !== null ? [m.application] : [])))];
  // A refused client got in when a later connection of its own (the same process, where names tell) went through the
  // handshake after its last refusal: another process of the same application getting in says nothing of it.
  const lastRefused = new Map<string, Instant>();
  for (const m of refused) lastRefused.set(clients.of.get(m)!, m.ended!);
  let admitted = 0;
  let admittedFirst: Instant | null = null;
  for (const [k, lastOfClient] of lastRefused) {
    let got: Instant | null = null;
    for (const m of clients.members.get(k)!) {
      if (m.verdict === 'handshake-failed' || !m.handshakeDone || compareInstants(m.opened, lastOfClient) <= 0) continue;
      if (got === null || compareInstants(m.opened, got) < 0) got = m.opened;
    }
    if (got === null) continue;
    admitted++;
    if (admittedFirst === null || compareInstants(got, admittedFirst) < 0) admittedFirst = got;
  }
  // The users refused, and the connections of other clients that logged in as one of them: a refused login while
  // the same user logs in elsewhere is this client's password, not the user or its permissions.
  const users = [...new Set(refused.flatMap((m) => (m.user !== null ? [m.user] : [])))];
  const others = all.filter((m) => m.user !== null && users.includes(m.user) && !lastRefused.has(clients.of.get(m)!) && loggedIn(m));
  const hostSet = new Set(hosts);
  const applicationSet = new Set(applications);
  const retry = median(loops.filter((l) => l.medianDelaySeconds !== null && explainedLoop(l, first.replyCode!, hostSet, applicationSet)).map((l) => l.medianDelaySeconds!));
  const facts: Omit<FleetHandshakeRefusal, 'explanation'> = {
    t: clock.t(first.ended!),
    at: clock.at(first.ended!),
    endT: clock.t(last.ended!),
    count: refused.length,
    replyCode: first.replyCode!,
    replyText: first.replyText,
    reason: refusal.reason,
    limit: refusal.limit,
    clients: lastRefused.size,
    admitted,
    admittedT: admittedFirst === null ? null : clock.t(admittedFirst),
    retryDelaySeconds: retry === null ? null : micros(retry),
    users: users.slice(0, MAX_LISTED),
    usersLoggedIn: others.length,
    usersLoggedInHosts: new Set(others.map((m) => m.host)).size,
    hosts: hosts.slice(0, MAX_LISTED),
    applications: applications.slice(0, MAX_LISTED),
    connections: refused.slice(0, MAX_LISTED).map((m) => m.id),
  };
  const guestRemote = users.includes('guest') && hosts.some((h) => !loopback(h));
  return {
    refusal: { ...facts, explanation: explanation(facts, refusal, hosts, applications, guestRemote) },
    summary: summary(facts, refusal, hosts, applications, guestRemote),
    ids: new Set(refused.map((m) => m.id)),
    hosts: hostSet,
    applications: applicationSet,
  };
}

type RefusalFacts = Omit<FleetHandshakeRefusal, 'explanation'>;

/** "with 530 NOT_ALLOWED". */
function codeText(f: RefusalFacts): string {
  return `${f.replyCode} ${replyCodeName(f.replyCode)}`;
}

/** What the broker said, short; for a refused login, whose, and whether that user logged in elsewhere. */
function reasonText(f: RefusalFacts, r: Refusal, guestRemote: boolean): string {
  if (r.reason !== 'login') return refusalReason(r, f.replyText);
  const who = f.users.length === 1 ? ` of user '${f.users[0]}'` : f.users.length > 1 ? ` of users ${f.users.map((u) => `'${u}'`).join(', ')}` : '';
  if (f.usersLoggedIn === 0) return `the login${who} was refused (wrong credentials?)`;
  const elsewhere = `${plural(f.usersLoggedIn, 'other connection')} from ${plural(f.usersLoggedInHosts, 'host')}`;
  // RabbitMQ sends the same text for every refused login (the reason is in its log): with the user logging in
  // elsewhere, the password is the likely one; a guest login also fails from a host that is not loopback.
  const guest = guestRemote ? ', or guest from a host that is not loopback (loopback_users)' : '';
  return `the login${who} was refused while ${elsewhere} logged in as ${f.users.length === 1 ? 'that user' : 'those users'}: most likely a wrong password in ${f.clients === 1 ? "this client's" : "these clients'"} configuration${guest}`;
}

/** ", each client retrying every 1.0 s (median)": a client is a process where names tell them apart (reconnects.ts). */
function retryingText(f: RefusalFacts): string {
  return f.retryDelaySeconds !== null ? `, each client retrying every ${spoken(f.retryDelaySeconds)} (median)` : '';
}

/** Whether the refused clients got in later: the answer an operator needs next. */
function admittedText(f: RefusalFacts, r: Refusal, sayNever = true): string {
  const never = retryMaySucceed(r) || !sayNever ? '' : ', and retrying will not change that';
  if (f.admitted === 0) return `${f.clients === 1 ? 'it did not get in' : `none of the ${grouped(f.clients)} refused clients got in`} within the capture${never}`;
  const when = f.admittedT !== null ? `, from ${f.admittedT.toFixed(3)} s` : '';
  if (f.admitted === f.clients) return `${f.clients === 1 ? 'it' : f.clients === 2 ? 'both' : `all ${grouped(f.clients)} refused clients`} got in later${when}`;
  return `${f.admitted} of the ${grouped(f.clients)} refused clients got in later${when}`;
}

function summary(f: RefusalFacts, r: Refusal, hosts: readonly string[], applications: readonly string[], guestRemote: boolean): string {
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')}`;
  const apps = applications.length > 0 ? ` (${listed(applications)})` : '';
  return `The broker refused ${plural(f.count, 'connection attempt')} ${from}${apps} during the handshake ${timeSpan(f.t, f.endT)} with ${codeText(f)}${retryingText(f)}: ${reasonText(f, r, guestRemote)}; ${admittedText(f, r)}.`;
}

function explanation(f: RefusalFacts, r: Refusal, hosts: readonly string[], applications: readonly string[], guestRemote: boolean): string {
  const apps = applications.length > 0 ? ` (${listed(applications)})` : '';
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')}`;
  const advice = refusalAdvice(r) ?? 'Its reply text says why; the broker log has the detail.';
  const text = f.replyText !== null ? `: "${f.replyText}"` : '';
  // The advice says whether retrying can help; for a login, whose it was and whether that user logged in elsewhere.
  const login = r.reason === 'login' ? ` ${capitalised(reasonText(f, r, guestRemote))}.` : '';
  return `The broker closed ${plural(f.count, 'connection')}${apps} ${from} during the handshake ${timeSpan(f.t, f.endT)} with ${codeText(f)}${text}${retryingText(f)}; ${admittedText(f, r, false)}.${login} ${advice}`;
}

function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/**
 * The `max` refusals of the most connections (the earlier of equals), in time order, and the headline's sentences
 * for the first two of those by size.
 */
export function keptRefusals(all: readonly ToldRefusal[], max: number): { kept: FleetHandshakeRefusal[]; told: ToldRefusal[] } {
  const largest = all.slice(0, max);
  return { kept: [...largest].sort((a, b) => a.refusal.t - b.refusal.t).map((r) => r.refusal), told: largest.slice(0, 2) };
}

/** A reconnect loop a refusal already explains: the same reply code, from a refused host and application. */
export function explainedLoop(
  loop: { host: string; application: string | null; replyCode: number | null },
  replyCode: number,
  hosts: ReadonlySet<string>,
  applications: ReadonlySet<string>,
): boolean {
  return replyCode === loop.replyCode && hosts.has(loop.host) && (loop.application === null || applications.has(loop.application));
}

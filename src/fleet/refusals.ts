/**
 * Handshake refusals: connections the broker closed during the handshake (Connection.Close before Open-Ok) for one
 * reason, said once for the fleet. A vhost at its connection limit refuses every client that retries until a
 * connection closes; a rotated password has one service's processes refused at every login. Connection by connection
 * these read as dozens of handshake failures, and each host's reconnect loop as its own problem.
 *
 * A refusal is kept when at least MIN_REFUSED connections share the reply code and reason (refusal.ts reads the
 * reason from RabbitMQ's text: a limit, a vhost, a login); "admitted" counts the refused clients (host and
 * application) that got a connection through later in the run.
 */
import { replyCodeName } from '../amqp/names.js';
import { refusalAdvice, refusalOf, refusalReason, retryMaySucceed, type Refusal } from '../diagnosis/refusal.js';
import type { Clock } from './clock.js';
import { grouped, listed, median, micros, plural, spoken } from './stats.js';
import { compareInstants, type FleetHandshakeRefusal, type FleetMember, type FleetReconnectLoop, type Instant } from './types.js';

/** As for waves: fewer refused connections are told one by one. */
const MIN_REFUSED = 3;
const MAX_LISTED = 50;
/** Refusals kept in the report (the largest); the others are counted. */
export const MAX_REFUSALS = 10;

/** The connection ended refused by the broker: a handshake-failed verdict on the broker's Connection.Close. */
function refusedBy(m: FleetMember): boolean {
  return m.verdict === 'handshake-failed' && m.by === 'server' && m.how === 'amqp-close' && m.replyCode !== null && m.ended !== null;
}

/** Refusals with one meaning share a key: the reason, and for an unknown one its exact text. */
function keyOf(code: number, text: string | null, r: Refusal): string {
  return r.reason === 'other' ? `${code}\u0000${text ?? ''}` : `${code}\u0000${r.reason}\u0000${r.limit ?? ''}\u0000${r.vhost ?? ''}\u0000${r.user ?? ''}`;
}

const clientOf = (m: FleetMember): string => `${m.host}\u0000${m.application ?? ''}`;

/** A refusal and the headline's words for it (which count every host: the refusal's lists stop at 50). */
export interface ToldRefusal {
  refusal: FleetHandshakeRefusal;
  summary: string;
}

/** `loops`: the run's reconnect loops, whose delays say how often the refused clients retried. */
export function findRefusals(members: readonly FleetMember[], loops: readonly FleetReconnectLoop[], clock: Clock): ToldRefusal[] {
  const groups = new Map<string, { refusal: Refusal; members: FleetMember[] }>();
  for (const m of members) {
    if (!refusedBy(m)) continue;
    const refusal = refusalOf(m.replyCode!, m.replyText);
    const key = keyOf(m.replyCode!, m.replyText, refusal);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { refusal, members: [m] });
    else g.members.push(m);
  }
  const told: ToldRefusal[] = [];
  for (const g of groups.values()) if (g.members.length >= MIN_REFUSED) told.push(refusalFrom(g.refusal, g.members, members, loops, clock));
  return told.sort((a, b) => b.refusal.count - a.refusal.count || a.refusal.t - b.refusal.t);
}

function refusalFrom(refusal: Refusal, refused: FleetMember[], all: readonly FleetMember[], loops: readonly FleetReconnectLoop[], clock: Clock): ToldRefusal {
  refused.sort((a, b) => compareInstants(a.ended!, b.ended!));
  const first = refused[0]!;
  const last = refused[refused.length - 1]!;
  const hosts = [...new Set(refused.map((m) => m.host))];
  const applications = [...new Set(refused.flatMap((m) => (m.application !== null ? [m.application] : [])))];
  // A refused client got in when a later connection of the same host and application passed the handshake.
  const clients = new Map<string, Instant>();
  for (const m of refused) {
    const k = clientOf(m);
    const seen = clients.get(k);
    if (seen === undefined || compareInstants(m.ended!, seen) < 0) clients.set(k, m.ended!);
  }
  let admitted = 0;
  let admittedFirst: Instant | null = null;
  for (const [k, firstRefused] of clients) {
    let got: Instant | null = null;
    for (const m of all) {
      if (clientOf(m) !== k || m.verdict === 'handshake-failed' || compareInstants(m.opened, firstRefused) <= 0) continue;
      if (got === null || compareInstants(m.opened, got) < 0) got = m.opened;
    }
    if (got === null) continue;
    admitted++;
    if (admittedFirst === null || compareInstants(got, admittedFirst) < 0) admittedFirst = got;
  }
  // The users refused, and how many connections logged in as one of them in the run: a refused login while the
  // same user logs in elsewhere is this client's password, not the user or its permissions.
  const users = [...new Set(refused.flatMap((m) => (m.user !== null ? [m.user] : [])))];
  const loggedIn = all.filter((m) => m.user !== null && users.includes(m.user) && m.verdict !== 'handshake-failed');
  const partial = { replyCode: first.replyCode!, hosts, applications };
  const retry = median(loops.filter((l) => l.medianDelaySeconds !== null && explainedLoop(l, [partial])).map((l) => l.medianDelaySeconds!));
  const facts: Omit<FleetHandshakeRefusal, 'explanation'> = {
    t: clock.t(first.ended!),
    at: clock.at(first.ended!),
    endT: clock.t(last.ended!),
    count: refused.length,
    replyCode: first.replyCode!,
    replyText: first.replyText,
    reason: refusal.reason,
    limit: refusal.limit,
    clients: clients.size,
    admitted,
    admittedT: admittedFirst === null ? null : clock.t(admittedFirst),
    retryDelaySeconds: retry === null ? null : micros(retry),
    users: users.slice(0, MAX_LISTED),
    usersLoggedIn: loggedIn.length,
    usersLoggedInHosts: new Set(loggedIn.map((m) => m.host)).size,
    hosts: hosts.slice(0, MAX_LISTED),
    applications: applications.slice(0, MAX_LISTED),
    connections: refused.slice(0, MAX_LISTED).map((m) => m.id),
  };
  return { refusal: { ...facts, explanation: explanation(facts, refusal, hosts, applications) }, summary: summary(facts, refusal, hosts, applications) };
}

type RefusalFacts = Omit<FleetHandshakeRefusal, 'explanation'>;

/** "with 530 NOT_ALLOWED". */
function codeText(f: RefusalFacts): string {
  return `${f.replyCode} ${replyCodeName(f.replyCode)}`;
}

/** What the broker said, short; for a refused login, whose, and whether that user logged in elsewhere. */
function reasonText(f: RefusalFacts, r: Refusal): string {
  if (r.reason !== 'login') return refusalReason(r, f.replyText);
  const who = f.users.length === 1 ? ` of user '${f.users[0]}'` : f.users.length > 1 ? ` of users ${f.users.map((u) => `'${u}'`).join(', ')}` : '';
  if (f.usersLoggedIn === 0) return `the login${who} was refused (wrong credentials?)`;
  const elsewhere = `${plural(f.usersLoggedIn, 'other connection')} from ${plural(f.usersLoggedInHosts, 'host')}`;
  // RabbitMQ sends the same text for every refused login (the reason is in its log): with the user logging in
  // elsewhere, the password is the likely one; a guest login also fails from a host that is not loopback.
  const guest = f.users.includes('guest') ? ', or guest from a host that is not loopback (loopback_users)' : '';
  return `the login${who} was refused while ${elsewhere} logged in as ${f.users.length === 1 ? 'that user' : 'those users'}: most likely a wrong password in ${f.clients === 1 ? "this client's" : "these clients'"} configuration${guest}`;
}

/** "between 1.210 and 14.346 s" (or "at" for one moment). */
function span(f: RefusalFacts): string {
  return f.t === f.endT ? `at ${f.t.toFixed(3)} s` : `between ${f.t.toFixed(3)} and ${f.endT.toFixed(3)} s`;
}

/** ", each client retrying every 1.0 s (median)": a client is a host and application (its processes together). */
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

function summary(f: RefusalFacts, r: Refusal, hosts: readonly string[], applications: readonly string[]): string {
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')}`;
  const apps = applications.length > 0 ? ` (${listed(applications)})` : '';
  return `The broker refused ${plural(f.count, 'connection attempt')} ${from}${apps} during the handshake ${span(f)} with ${codeText(f)}${retryingText(f)}: ${reasonText(f, r)}; ${admittedText(f, r)}.`;
}

function explanation(f: RefusalFacts, r: Refusal, hosts: readonly string[], applications: readonly string[]): string {
  const apps = applications.length > 0 ? ` (${listed(applications)})` : '';
  const from = hosts.length === 1 ? `from ${hosts[0]}` : `from ${plural(hosts.length, 'host')}`;
  const advice = refusalAdvice(r) ?? 'Its reply text says why; the broker log has the detail.';
  const text = f.replyText !== null ? `: "${f.replyText}"` : '';
  // The advice says whether retrying can help.
  return `The broker closed ${plural(f.count, 'connection')}${apps} ${from} during the handshake ${span(f)} with ${codeText(f)}${text}${retryingText(f)}; ${admittedText(f, r, false)}. ${advice}`;
}

/**
 * The `max` refusals of the most connections (the earlier of equals), in time order, and the headline's sentences
 * for the first two of those by size.
 */
export function keptRefusals(all: readonly ToldRefusal[], max: number): { kept: FleetHandshakeRefusal[]; told: ToldRefusal[] } {
  const largest = all.slice(0, max);
  return { kept: [...largest].sort((a, b) => a.refusal.t - b.refusal.t).map((r) => r.refusal), told: largest.slice(0, 2) };
}

/** A reconnect loop the refusals already explain: the same reply code, from a refused host and application. */
export function explainedLoop(
  loop: { host: string; application: string | null; replyCode: number | null },
  refusals: readonly Pick<FleetHandshakeRefusal, 'replyCode' | 'hosts' | 'applications'>[],
): boolean {
  return refusals.some((r) => r.replyCode === loop.replyCode && r.hosts.includes(loop.host) && (loop.application === null || r.applications.includes(loop.application)));
}

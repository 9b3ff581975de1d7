/**
 * Live mode's one job: turn the analyzer's state into live events as capture time passes (types.ts), and decide the
 * silence alerts. The analyzer tells it about every connection it follows, every packet (before and after it is
 * processed) and every connection it hands over; it never looks at a wall clock.
 *
 * Silence thresholds are crossed when a LATER packet's timestamp passes them (any packet of any connection: a
 * broker heartbeat, another client's traffic): until then nothing says that time has passed. So, before a packet is
 * processed, every threshold its timestamp passes is reported, with the state up to the packet before: the alert
 * for a stalled client comes out before the packet carrying the broker's RST.
 *
 * A threshold is crossed by the scheduling tolerance of failure-modes.md §1.1 (half a second for T up to 25 s):
 * clients that write a heartbeat every T, not every T/2, are common (and fine: RabbitMQ wants a byte per T), and
 * their silences end a few milliseconds past T.
 *
 * Cost: a min-heap of deadlines, one entry per followed side at most, re-checked lazily when it comes due (a side
 * that spoke in the meantime is pushed back), so a packet costs O(log n) only when a deadline passes.
 */
import { brokerUnreachable, FIRST_ANSWER_SECONDS, judgeOpenSilence, MIN_SILENCE_NO_T, MIN_UNANSWERED, timeOfDay, timesText } from '../diagnosis/open-silence.js';
import { diagnose } from '../diagnosis/index.js';
import { formatSeconds } from '../diagnosis/client-library.js';
import { heartbeatTolerance } from '../diagnosis/heartbeat.js';
import { blockedNow } from '../timeline/blocked.js';
import { isoTime } from '../capture/timestamp.js';
import { plusSeconds } from '../fleet/types.js';
import { timeSpan } from '../fleet/clock.js';
import { buildConnection, type CaptureClock } from '../report/build.js';
import type { ReportConnection, When } from '../report/types.js';
import { formatAddress } from '../net/address.js';
import type { TcpSegment } from '../net/types.js';
import type { Dir, StreamHandler } from '../tcp/types.js';
import type { ConnectionFacts, Moment } from '../timeline/types.js';
import { handshakeRefusalKey } from '../diagnosis/refusal.js';
import { sideOf, type LiveEnded, type LiveEndpoints, type LiveEvent, type LiveNoAck, type LiveRefused, type LiveSilence, type LiveStatus, type LiveUnanswered } from './types.js';

/** Attempts refused after the first of a run are told at most once per this much capture time. */
const REFUSED_REPEAT_SECONDS = 5;
/**
 * A run of refused attempts is summed up when the broker accepts again, or after this much capture time with no new
 * attempt: longer than clients wait between attempts (pika: a 10 s connect timeout, then 1 s), so that a run still
 * going on is not said to be over between two of its attempts (review 30).
 */
const REFUSALS_QUIET_SECONDS = 30;
/**
 * Seconds a SYN may go unanswered before the alert: a SYN-ACK comes within a round trip; Linux retransmits the SYN
 * after 1 s and about 3 s (exponential backoff; 1, 2, 3 s with tcp_syn_linear_timeouts), so 3.5 s on the second
 * retransmission has gone unanswered too, with room for the timers' slack (3.012 s seen).
 */
const SYN_FIRST_ANSWER_SECONDS = 3.5;

/** Handshake refusal reasons followed (each told once in full, then counted), and hosts counted per reason. */
const MAX_REFUSAL_REASONS = 64;
const MAX_REFUSAL_HOSTS = 1000;
/** A reason with no refusal for this long (capture time) is told in full again: another incident. */
const REFUSALS_FORGOTTEN_SECONDS = 600;

/** What live mode reads of a connection being recorded (timeline/recorder.ts's ConnectionRecorder). */
export interface LiveSource {
  readonly facts: ConnectionFacts;
  /** T in force now: Tune-Ok's, else inferred from the broker's heartbeats so far; null when unknown. */
  liveHeartbeat(): { seconds: number; source: 'negotiated' | 'inferred' } | null;
  /** The client's connection_name so far (its Start-Ok), or null. */
  liveName(): string | null;
  /** A copy of the facts as they stand, judged when the connection closes. */
  preview(): ConnectionFacts;
}

/** One side of a followed connection: which silence it is in, and how far it has been reported. */
interface SideWatch {
  /** Packet of the side's last payload when the current silence began (0: none since the capture started). */
  from: number;
  /** Thresholds reported for this silence: 0, 1 (T) or 2 (2T). */
  level: 0 | 1 | 2;
  /** Has an entry in the deadline heap. */
  queued: boolean;
  /** The peer's probes or retransmissions into this side's silence were told unanswered (until one is answered). */
  noAckTold: boolean;
}

export interface Followed {
  readonly source: LiveSource;
  opened: boolean;
  /** Its end was reported (at its close, or when the analyzer handed it over). */
  ended: boolean;
  readonly sides: Record<Dir, SideWatch>;
  /** Told as an attempt refused (RST, or its SYN unanswered). */
  refused: boolean;
  /** A deadline is queued for its SYN's answer. */
  synWatched: boolean;
  /** The wait for the broker's first byte: not watched, its deadline queued, alerted (still waiting), or over. */
  firstAnswer: 'unwatched' | 'queued' | 'alerted' | 'over';
}

interface Deadline {
  /** Capture time (seconds since the first packet) at which the threshold is crossed. */
  t: number;
  followed: Followed;
  dir: Dir;
  /** What comes due: a side's silence, the wait for the broker's first byte, or the wait for a SYN's answer. */
  kind: 'silence' | 'first-answer' | 'syn';
}

/** How an attempt was refused: answered with RST, or its SYN never answered. */
type RefusedHow = LiveRefused['how'];

/**
 * A run of like alerts (handshake refusals for one reason, attempts refused, first bytes unanswered): the first is
 * told in full, the next ones count on, until one comes REFUSALS_FORGOTTEN_SECONDS after the last (a new incident).
 */
interface Run {
  count: number;
  since: When;
  lastT: number;
  hosts: Set<string>;
}

interface RefusedRun extends Run {
  toldT: number;
  told: number;
  last: LiveEndpoints;
}

function newRun(at: When, host: string): Run {
  return { count: 1, since: at, lastT: at.t, hosts: new Set([host]) };
}

/** Joins an alert at `t` from `host` to `run` when it goes on (true); false when a new run begins. */
function continueRun<R extends Run>(run: R | null | undefined, t: number, host: string): run is R {
  if (run === null || run === undefined || t - run.lastT > REFUSALS_FORGOTTEN_SECONDS) return false;
  run.count++;
  run.lastT = t;
  if (run.hosts.size < MAX_REFUSAL_HOSTS) run.hosts.add(host);
  return true;
}

export class LiveMonitor {
  private readonly followed = new Set<Followed>();
  private readonly touched = new Set<Followed>();
  private readonly heap: Deadline[] = [];
  private now: Moment | null = null;
  private nowT = 0;
  private openCount = 0;
  private endedCount = 0;
  private alerts = 0;
  /** Handshake refusals so far, by reply code and reason (refusal.ts): the first is told in full, then counted. */
  private readonly refusals = new Map<string, Run>();
  private refusedCount = 0;
  /** Connections alerted as unanswered and still waiting; the current run of those alerts (told once in full). */
  private waiting = 0;
  private unansweredRun: Run | null = null;
  /** Attempts refused with RST, and attempts whose SYN got no answer, so far; the current run of each. */
  private attemptsRefused = 0;
  private attemptsUnanswered = 0;
  private readonly refusedRuns: Record<RefusedHow, RefusedRun | null> = { rst: null, 'no-answer': null };
  /** The current run of NO ACK alerts per silent side: a broker lost by many connections is told in full once. */
  private readonly noAckRuns: Record<Dir, Run | null> = { c2s: null, s2c: null };

  /**
   * `shown`: the operator's filters (live/filter.ts), or null. Applied before an alert joins its run (the first of a
   * run is told in full, the next ones count on): with --connection, the first alert of that connection's host is
   * the one told in full, and the counts are of what is shown. Status counts stay whole.
   */
  constructor(
    private readonly emit: (event: LiveEvent) => void,
    private readonly clock: () => CaptureClock,
    private readonly shown: ((event: LiveEvent) => boolean) | null = null,
  ) {}

  private say(event: LiveEvent): void {
    if (this.shown === null || this.shown(event)) this.emit(event);
  }

  private hidden(event: LiveEvent): boolean {
    return this.shown !== null && !this.shown(event);
  }

  /** A connection the analyzer starts recording; returns the handle to pass to `watched` and `handedOver`. */
  follow(source: LiveSource): Followed {
    const f: Followed = { source, opened: false, ended: false, sides: { c2s: newWatch(), s2c: newWatch() }, refused: false, synWatched: false, firstAnswer: 'unwatched' };
    this.followed.add(f);
    return f;
  }

  /** The connection's handler, noting each segment it sees so that afterPacket looks at this connection. */
  watched(handler: StreamHandler, f: Followed): StreamHandler {
    return {
      onSegment: (segment) => {
        handler.onSegment(segment);
        this.touched.add(f);
      },
      onData: (dir, bytes, packet, tsSec, tsNsec) => handler.onData(dir, bytes, packet, tsSec, tsNsec),
      onGap: (dir, length, reason, packet, tsSec, tsNsec) => handler.onGap(dir, length, reason, packet, tsSec, tsNsec),
      onEnd: (reason) => handler.onEnd(reason),
    };
  }

  /**
   * A packet is about to be processed: report every threshold its timestamp passes. `segment`: the packet's TCP
   * segment (null for another packet): a side whose own payload is the packet that passes its threshold was silent
   * until this very moment and is no longer (review 35: kombu's heartbeat every 1.5T was told "client-stalled;
   * expect RabbitMQ to close it" on that heartbeat's own packet).
   */
  beforePacket(m: Moment, segment: TcpSegment | null = null): void {
    this.now = m;
    this.nowT = this.clock().t(m);
    for (const how of REFUSED_HOWS) {
      const run = this.refusedRuns[how];
      if (run !== null && run.told < run.count && this.nowT - run.lastT > REFUSALS_QUIET_SECONDS) this.refusalsOver(how, run);
    }
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.t <= this.nowT) {
      const d = popMin(heap);
      if (d.kind === 'first-answer') {
        if (!d.followed.ended && d.followed.firstAnswer === 'queued') this.settleFirstAnswer(d.followed);
        continue;
      }
      if (d.kind === 'syn') {
        const f = d.followed;
        if (!f.ended && !f.opened && !f.refused && synUnanswered(f.source.facts)) this.refusedAttempt(f, 'no-answer');
        continue;
      }
      d.followed.sides[d.dir].queued = false;
      if (d.followed.ended) continue;
      if (segment !== null && speaksIn(segment, d.followed.source.facts.info, d.dir)) {
        // Watched again after the packet, from its new last payload (afterPacket: a touched side is rescheduled).
        continue;
      }
      this.settle(d.followed, d.dir);
    }
  }

  /** The packet has been processed: new connections, spoken sides, closes. */
  afterPacket(): void {
    for (const f of this.touched) {
      if (f.ended) continue;
      const facts = f.source.facts;
      if (!f.opened && (facts.firstPayload.c2s !== null || facts.firstPayload.s2c !== null)) {
        f.opened = true;
        this.openCount++;
        // The broker accepts again: refusals left untold by the throttle are summed up before this opening.
        for (const how of REFUSED_HOWS) {
          const run = this.refusedRuns[how];
          if (run !== null && run.told < run.count && facts.synAckSeen) this.refusalsOver(how, run);
        }
        this.say({
          type: 'opened',
          connection: facts.info.id,
          ...this.clock().when(this.now ?? facts.lastPacket),
          ...ends(facts.info),
          midStream: !facts.info.synSeen,
        });
      }
      if (!f.opened) {
        if (!f.refused && refusedWithRst(facts)) this.refusedAttempt(f, 'rst');
        else if (!f.synWatched && synUnanswered(facts)) {
          // Linux retransmits an unanswered SYN after 1 s and 3 s: past that, two went unanswered.
          const first = { tsSec: facts.info.firstTsSec, tsNsec: facts.info.firstTsNsec };
          pushHeap(this.heap, { t: this.clock().t(first) + SYN_FIRST_ANSWER_SECONDS, followed: f, dir: 'c2s', kind: 'syn' });
          f.synWatched = true;
        }
        continue;
      }
      if (facts.clientRst !== null || facts.serverRst !== null || facts.clientFin !== null) {
        // The tracker hands a closed connection over only once stray segments stop coming (minutes of capture
        // time); the operator wants the verdict now. Judged on the state at the first FIN or RST, as always. The
        // client's FIN is enough: RabbitMQ closes a connection whose client has closed its side, and a frozen or
        // overloaded broker may never answer it (a client-side heartbeat timeout, a broker not accepting: their
        // ENDED came only with the broker's next packet, or never). A broker's FIN waits for the client's answer.
        const preview = f.source.preview();
        this.end(f, buildConnection(this.clock(), preview, diagnose(preview), false));
        continue;
      }
      this.watchFirstAnswer(f);
      for (const dir of DIRS) {
        this.watch(f, dir);
        this.watchNoAck(f, dir);
      }
    }
    this.touched.clear();
  }

  /**
   * The peer's keep-alive probes or retransmissions into `dir`'s silence, unanswered: told as the report judges an
   * open connection (diagnosis/verdicts/open.ts): MIN_UNANSWERED probes, or MIN_UNANSWERED retransmissions over
   * MIN_SILENCE_NO_T s while no heartbeat is in force (with one, the silence events say it). Told again only after
   * the silent side answered (the counts start over).
   */
  private watchNoAck(f: Followed, dir: Dir): void {
    const w = f.sides[dir];
    const facts = f.source.facts;
    const evidence = facts.trailing[dir];
    const probes = evidence.peerKeepAlivesUnanswered;
    const retransmissions = evidence.peerRetransmissionsUnanswered;
    if (probes < MIN_UNANSWERED && retransmissions < MIN_UNANSWERED) {
      w.noAckTold = false;
      return;
    }
    if (w.noAckTold) return;
    const clock = this.clock();
    const last = evidence.lastSignOfLife;
    const seconds = this.nowT - clock.t(last ?? { tsSec: facts.info.firstTsSec, tsNsec: facts.info.firstTsNsec });
    const hb = f.source.liveHeartbeat();
    const what = probes >= MIN_UNANSWERED ? 'keep-alive' : 'retransmission';
    if (what === 'retransmission' && ((hb !== null && hb.seconds > 0) || seconds < MIN_SILENCE_NO_T)) return;
    w.noAckTold = true;
    this.alerts++;
    const count = what === 'keep-alive' ? probes : retransmissions;
    const sender = sideOf(dir === 'c2s' ? 's2c' : 'c2s');
    const [silentName, senderName] = dir === 's2c' ? ['broker', "client's"] : ['client', "broker's"];
    const lastText = last !== null ? `its last packet #${last.packet}, ${formatSeconds(seconds)} ago` : `nothing from it in the capture, at least ${formatSeconds(seconds)}`;
    const gone = dir === 's2c' ? 'the broker host or the path to it is gone, not the client' : 'the client host or the path to it is gone';
    const consequence =
      what === 'keep-alive'
        ? dir === 's2c'
          ? "the client's kernel resets the connection one interval after its last unanswered probe (TCP_KEEPCNT) and the client library reads ETIMEDOUT"
          : "the broker's kernel resets the connection one interval after its last unanswered probe (RabbitMQ logs {inet_error,etimedout})"
        : dir === 's2c'
          ? "the client notices by its heartbeat timeout, if on, or when its kernel gives up retransmitting (TCP_USER_TIMEOUT, or tcp_retries2: about 15 minutes)"
          : 'the broker notices by its heartbeat timeout, if on, or when its kernel gives up retransmitting (tcp_retries2, about 15 minutes: {inet_error,etimedout})';
    const unanswered = what === 'keep-alive' ? `answered none of the ${senderName} last ${count} TCP keep-alive probes` : `acknowledged none of the ${senderName} last ${count} retransmissions`;
    const event: LiveNoAck = {
      type: 'no-ack',
      connection: facts.info.id,
      ...clock.when(this.now ?? facts.lastPacket),
      ...ends(facts.info),
      name: f.source.liveName(),
      sender,
      what,
      count,
      lastPacket: last === null ? null : clock.when(last),
      seconds: round6(seconds),
      message: `the ${silentName} has ${unanswered} (${lastText}): ${gone}; ${consequence}`,
    };
    // Filtered out: not part of the run the shown alerts tell (as the refusals).
    if (this.hidden(event)) return;
    const run = this.noAckRuns[dir];
    if (continueRun(run, event.t, facts.info.clientAddress)) {
      const hosts = run.hosts.size;
      event.again = { count: run.count, since: run.since.t, sinceAt: run.since.at, hosts };
      event.message = `again the ${silentName} has ${unanswered} (${lastText}): ${run.count} such connections since +${run.since.t.toFixed(3)} s, from ${hosts} host${hosts === 1 ? '' : 's'}`;
    } else {
      this.noAckRuns[dir] = newRun({ t: event.t, at: event.at, packet: event.packet }, facts.info.clientAddress);
    }
    this.emit(event);
  }

  /**
   * A connection whose beginning is in the capture and whose client has written, with nothing from the broker yet:
   * a deadline FIRST_ANSWER_SECONDS after the client's first bytes. Its first answer ends the wait.
   */
  private watchFirstAnswer(f: Followed): void {
    const facts = f.source.facts;
    if (f.firstAnswer === 'unwatched') {
      const sent = facts.firstPayload.c2s;
      if (!facts.info.synSeen || sent === null || facts.firstPayload.s2c !== null) return;
      pushHeap(this.heap, { t: this.clock().t(sent) + FIRST_ANSWER_SECONDS, followed: f, dir: 's2c', kind: 'first-answer' });
      f.firstAnswer = 'queued';
    } else if (facts.firstPayload.s2c !== null) {
      this.stopWaiting(f);
    }
  }

  /** An attempt refused (RST, or no answer): told in full the first time in a while, then how the refusals go on. */
  private refusedAttempt(f: Followed, how: RefusedHow): void {
    f.refused = true;
    if (how === 'rst') this.attemptsRefused++;
    else this.attemptsUnanswered++;
    const facts = f.source.facts;
    const now = this.clock().when(this.now ?? facts.lastPacket);
    if (this.hidden({ type: 'refused', how, connection: facts.info.id, ...now, ...ends(facts.info), message: '' })) return;
    // A run's span is its attempts' SYNs (as the fleet's), told when their refusal is known (the RST, or 3 s on).
    const attempt = this.clock().when({ packet: facts.info.firstPacket, tsSec: facts.info.firstTsSec, tsNsec: facts.info.firstTsNsec });
    const run = this.refusedRuns[how];
    const last = { connection: facts.info.id, ...ends(facts.info) };
    const again = continueRun(run, attempt.t, facts.info.clientAddress);
    if (again) {
      run.last = last;
      // Clients retry every second or faster while the broker is down: a line per attempt would bury the rest.
      if (now.t - run.toldT < REFUSED_REPEAT_SECONDS) return;
      run.toldT = now.t;
      run.told = run.count;
    } else {
      this.refusedRuns[how] = { ...newRun(attempt, facts.info.clientAddress), toldT: now.t, told: 1, last };
    }
    const hosts = run?.hosts.size ?? 1;
    const seconds = formatSeconds(round6(this.nowT - attempt.t));
    this.say({
      type: 'refused',
      how,
      connection: facts.info.id,
      ...now,
      ...ends(facts.info),
      ...(again ? { again: { count: run.count, since: run.since.t, sinceAt: run.since.at, hosts } } : {}),
      message: again
        ? `again ${REFUSED_WORDS[how]}: ${run.count} attempts since +${run.since.t.toFixed(3)} s, from ${hosts} host${hosts === 1 ? '' : 's'}`
        : how === 'rst'
          ? "the broker's host answered the SYN with RST: nothing is listening on the port (RabbitMQ stopped, restarting, or its app stopped with rabbitmqctl stop_app)"
          : `the SYN got no answer for ${seconds} (no SYN-ACK, no RST; the client retransmits it): the broker's host is down or unreachable, a firewall drops the attempts, or the listen backlog is full (a broker out of file descriptors stops taking connections)`,
    });
  }

  /**
   * The broker accepted a connection, or no attempt was refused for REFUSALS_QUIET_SECONDS, after some were left
   * untold by the throttle: the run's total and its span, so that the last line says how many and until when.
   */
  private refusalsOver(how: RefusedHow, run: RefusedRun): void {
    run.told = run.count;
    run.toldT = this.nowT;
    const hosts = run.hosts.size;
    this.say({
      type: 'refused',
      how,
      ...run.last,
      ...this.clock().when(this.now!),
      again: { count: run.count, since: run.since.t, sinceAt: run.since.at, hosts },
      over: true,
      message: `${REFUSED_WORDS[how]}: ${run.count} attempts from ${hosts} host${hosts === 1 ? '' : 's'} ${timeSpan(run.since.t, run.lastT, '+')}, none since`,
    });
  }

  private stopWaiting(f: Followed): void {
    if (f.firstAnswer === 'alerted') this.waiting--;
    f.firstAnswer = 'over';
  }

  /** The first-answer deadline came due: the alert, unless the broker answered in the meantime. */
  private settleFirstAnswer(f: Followed): void {
    const facts = f.source.facts;
    const sent = facts.firstPayload.c2s;
    if (facts.firstPayload.s2c !== null || sent === null) {
      f.firstAnswer = 'over';
      return;
    }
    f.firstAnswer = 'alerted';
    this.waiting++;
    const clock = this.clock();
    const now = clock.when(this.now!);
    const seconds = round6(this.nowT - clock.t(sent));
    if (this.hidden({ type: 'unanswered', connection: facts.info.id, ...now, ...ends(facts.info), seconds, sent: clock.when(sent), waiting: this.waiting, message: '' })) return;
    const run = this.unansweredRun;
    const again = continueRun(run, now.t, facts.info.clientAddress);
    if (!again) this.unansweredRun = newRun(now, facts.info.clientAddress);
    const what = facts.protocolVersion !== null ? 'its AMQP protocol header' : facts.tls !== null ? 'its TLS ClientHello' : 'its first bytes';
    const waiting = `${this.waiting} connection${this.waiting === 1 ? '' : 's'} waiting now`;
    const event: LiveUnanswered = {
      type: 'unanswered',
      connection: facts.info.id,
      ...now,
      ...ends(facts.info),
      seconds,
      sent: clock.when(sent),
      waiting: this.waiting,
      ...(again ? { again: { count: run.count, since: run.since.t, sinceAt: run.since.at } } : {}),
      message: again
        ? `again nothing from the broker ${formatSeconds(seconds)} after the client's first bytes: ${run.count} such connections since +${run.since.t.toFixed(3)} s, ${waiting}`
        : `the broker has sent nothing ${formatSeconds(seconds)} after the client sent ${what}: the kernel accepted the TCP connection into the listen backlog and RabbitMQ has not taken it: it is out of file descriptors or sockets (rabbitmqctl status: File Descriptors, Sockets), or stalled; ${waiting}`,
    };
    this.say(event);
  }

  /**
   * The analyzer hands the connection over (judged; null when it carried no AMQP). `whileReading`: during the
   * input, so an end to report (at the end of the input, the full report says the rest).
   */
  handedOver(f: Followed, connection: ReportConnection | null, whileReading: boolean): void {
    if (!f.ended && connection !== null && f.opened && whileReading) this.end(f, connection);
    if (!f.ended && f.opened) this.openCount--;
    this.stopWaiting(f);
    f.ended = true;
    this.followed.delete(f);
    this.touched.delete(f);
  }

  /** Counts at the capture time of the last packet read. */
  status(packets: number, bytes: number): LiveStatus {
    const when: When = this.now !== null ? this.clock().when(this.now) : { t: 0, at: '', packet: 0 };
    let blocked = 0;
    for (const f of this.followed) if (f.opened && !f.ended && blockedNow(f.source.facts)) blocked++;
    return { type: 'status', ...when, open: this.openCount, ended: this.endedCount, packets, bytes, alerts: this.alerts, blocked, refused: this.refusedCount, unanswered: this.waiting, attemptsRefused: this.attemptsRefused, attemptsUnanswered: this.attemptsUnanswered };
  }

  private end(f: Followed, connection: ReportConnection): void {
    this.stopWaiting(f);
    f.ended = true;
    this.openCount--;
    this.endedCount++;
    const event: LiveEnded = { type: 'ended', ...this.clock().when(this.now ?? f.source.facts.lastPacket), connection };
    const shown = !this.hidden(event);
    const again = this.refusedAgain(connection, shown);
    if (shown) this.emit(again !== null ? { ...event, refusedAgain: again } : event);
  }

  /**
   * For a connection refused during the handshake: null the first time for its reason (and again after a quiet
   * REFUSALS_FORGOTTEN_SECONDS: a new incident is told in full), else how it goes on. Times are the refusals' own
   * (the broker's Connection.Close), as in the fleet.
   */
  private refusedAgain(c: ReportConnection, shown: boolean): LiveEnded['refusedAgain'] | null {
    const end = c.end;
    const key = handshakeRefusalKey(end, c.user);
    if (key === null) return null;
    this.refusedCount++;
    // Filtered out: counted in the status, not in the run the shown refusals tell.
    if (!shown) return null;
    const seen = this.refusals.get(key);
    if (!continueRun(seen, end.t, c.client.address)) {
      // Bounded for a run of days: reasons are few; a forged text per connection stops being tracked here.
      if (seen !== undefined || this.refusals.size < MAX_REFUSAL_REASONS) this.refusals.set(key, newRun({ t: end.t, at: end.at, packet: end.packet }, c.client.address));
      return null;
    }
    return { count: seen.count, since: seen.since.t, sinceAt: seen.since.at, hosts: seen.hosts.size };
  }

  /** A side not in the heap is put back in it, for the silence it is in now. */
  private watch(f: Followed, dir: Dir): void {
    const w = currentSilence(f, dir);
    if (!w.queued) this.schedule(f, dir);
  }

  private schedule(f: Followed, dir: Dir): void {
    const w = f.sides[dir];
    if (w.level >= 2) return;
    const hb = f.source.liveHeartbeat();
    if (hb === null || hb.seconds <= 0) return;
    const t = this.silenceStart(f, dir) + (w.level + 1) * hb.seconds + heartbeatTolerance(hb.seconds);
    pushHeap(this.heap, { t, followed: f, dir, kind: 'silence' });
    w.queued = true;
  }

  /** Capture time of the side's last payload, or of the connection's first captured packet. */
  private silenceStart(f: Followed, dir: Dir): number {
    const facts = f.source.facts;
    const last = facts.lastPayload[dir];
    return this.clock().t(last ?? { tsSec: facts.info.firstTsSec, tsNsec: facts.info.firstTsNsec });
  }

  /** A deadline came due: report the thresholds passed by now, or push it back if the side spoke since. */
  private settle(f: Followed, dir: Dir): void {
    const w = currentSilence(f, dir);
    const hb = f.source.liveHeartbeat();
    if (hb !== null && hb.seconds > 0) {
      const seconds = this.nowT - this.silenceStart(f, dir);
      const crossed = Math.min(2, Math.floor((seconds - heartbeatTolerance(hb.seconds)) / hb.seconds + 1e-9));
      if (crossed > w.level) {
        w.level = crossed as 1 | 2;
        // A blocked client is silent because the broker stopped reading it (its window closes), and RabbitMQ pauses
        // its heartbeat check meanwhile: no stall, no close to expect. The threshold is passed all the same (the next
        // deadline is the next one); the status line counts the connection as blocked.
        // The broker is silent only in new bytes when it retransmits into a client that no longer answers (a
        // half-open connection: its retransmissions are not fresh payload): the path is gone, not the broker
        // stalled, and the client's side says so (client-unreachable). The final report has no broker finding.
        const facts = f.source.facts;
        const brokerRetransmitting = dir === 's2c' && facts.trailing.c2s.peerRetransmissionsUnanswered > 0;
        // And the other way round: a client retransmitting into a broker that answers nothing is not silent, its
        // bytes stop arriving; the broker's side says so (netns-broker-unreachable.pcap).
        const clientRetransmitting = dir === 'c2s' && brokerUnreachable(facts.trailing.s2c);
        // Likewise a side whose peer advertises a zero window cannot send (the client not reading, or the broker
        // not reading from a publisher it blocked or throttles): that silence is the peer's, said on its own side,
        // and RabbitMQ pauses its heartbeat check while it does not read.
        const peerWindowShut = windowShut(dir === 'c2s' ? facts.stats.s2c : facts.stats.c2s);
        if ((dir !== 'c2s' || blockedNow(facts) === null) && !brokerRetransmitting && !clientRetransmitting && !peerWindowShut) {
          this.alerts++;
          this.say(this.silenceEvent(f, dir, seconds, hb, w.level));
        }
      }
    }
    this.schedule(f, dir);
  }

  private silenceEvent(f: Followed, dir: Dir, seconds: number, hb: { seconds: number; source: 'negotiated' | 'inferred' }, crossed: 1 | 2): LiveSilence {
    const clock = this.clock();
    const origin = { tsSec: clock.originSec, tsNsec: clock.originNsec };
    const facts = f.source.facts;
    const last = facts.lastPayload[dir];
    const t = hb.seconds;
    const start = this.silenceStart(f, dir);
    // The same judgement as an open connection's at the end of a capture (cause, RabbitMQ's close window).
    const j = judgeOpenSilence({ side: sideOf(dir), heartbeat: t, since: start, atLeast: last === null, now: this.nowT, evidence: facts.trailing[dir] });
    const expectedClose =
      j.expectedClose === null
        ? null
        : { earliest: round6(j.expectedClose.earliest), latest: round6(j.expectedClose.latest), earliestAt: atOf(clock, j.expectedClose.earliest), latestAt: atOf(clock, j.expectedClose.latest) };
    const side = sideOf(dir);
    const silent = `${side} has sent nothing for ${last === null ? 'at least ' : ''}${formatSeconds(seconds)} (${crossed === 2 ? 'past 2T' : 'past T'}, T=${t} s${hb.source === 'inferred' ? ' inferred' : ''})`;
    const pending = dir === 's2c' ? facts.trailing.s2c.peerRetransmissionsUnanswered : 0;
    const why =
      pending > 0 && !brokerUnreachable(facts.trailing.s2c)
        ? `: the client's last bytes are not acknowledged yet (retransmitted ${timesText(pending)}), the broker stalled or its host or the path to it is gone`
        : CAUSE_PHRASE[dir === 's2c' && brokerUnreachable(facts.trailing.s2c) ? 'broker-unreachable' : (j.cause ?? 'none')];
    const close =
      expectedClose === null
        ? ''
        : `; expect RabbitMQ to close it between ${timeOfDay(origin, expectedClose.earliest)} and ${timeOfDay(origin, expectedClose.latest)} UTC unless the client writes`;
    return {
      type: 'silence',
      connection: facts.info.id,
      name: f.source.liveName(),
      ...clock.when(this.now!),
      side,
      seconds: round6(seconds),
      silenceAtLeast: last === null,
      heartbeat: t,
      heartbeatSource: hb.source,
      crossed,
      cause: j.cause,
      expectedClose,
      lastByte: last === null ? null : clock.when(last),
      message: `${silent}${why}${close}`,
    };
  }
}

const DIRS: readonly Dir[] = ['c2s', 's2c'];

/** The segment carries payload from the connection's `dir` side. */
function speaksIn(seg: TcpSegment, info: ConnectionFacts['info'], dir: Dir): boolean {
  if (seg.payloadLength === 0) return false;
  const [fromPort, toPort] = dir === 'c2s' ? [info.clientPort, info.serverPort] : [info.serverPort, info.clientPort];
  if (seg.srcPort !== fromPort || seg.dstPort !== toPort) return false;
  const from = dir === 'c2s' ? info.clientAddress : info.serverAddress;
  return formatAddress(seg.ipVersion, seg.src0, seg.src1, seg.src2, seg.src3) === from;
}

/** A SYN, no answer (no SYN-ACK, no RST) and no byte yet (fleet/member.ts nonAmqpKind's 'refused-unanswered'). */
function synUnanswered(facts: ConnectionFacts): boolean {
  return facts.info.synSeen && !facts.synAckSeen && facts.serverRst === null && facts.clientRst === null && facts.firstPayload.c2s === null && facts.firstPayload.s2c === null;
}

const REFUSED_HOWS: readonly RefusedHow[] = ['rst', 'no-answer'];
const REFUSED_WORDS: Record<RefusedHow, string> = { rst: 'refused with RST', 'no-answer': 'SYN unanswered' };

/** A SYN answered by RST, before any byte either way (fleet/member.ts nonAmqpKind's 'refused-reset'). */
function refusedWithRst(facts: ConnectionFacts): boolean {
  return facts.info.synSeen && !facts.synAckSeen && facts.serverRst !== null && facts.firstPayload.c2s === null && facts.firstPayload.s2c === null;
}

function ends(info: ConnectionFacts['info']): Pick<LiveEndpoints, 'client' | 'server'> {
  return { client: { address: info.clientAddress, port: info.clientPort }, server: { address: info.serverAddress, port: info.serverPort } };
}

/** The side advertises a zero window now (its latest zero-window stretch has not ended). */
function windowShut(side: { lastZeroWindowFrom: unknown; lastZeroWindowUntil: unknown }): boolean {
  return side.lastZeroWindowFrom !== null && side.lastZeroWindowUntil === null;
}

const CAUSE_PHRASE: Record<string, string> = {
  'client-stalled': ": its kernel ACKs the broker's bytes but the application writes nothing (client-stalled)",
  'client-not-reading': ': it advertises a zero window, its application stopped reading (client-not-reading)',
  'client-unreachable': ": the broker's segments go unacknowledged, the host or the path is gone (client-unreachable)",
  'server-stalled': ": the broker's kernel ACKs the client's bytes but RabbitMQ writes nothing (server-stalled)",
  'broker-unreachable': ": the client's bytes go unacknowledged, the broker host or the path to it is gone",
  none: '',
};

/** The side's watch, restarted when it sent payload since: a new silence, nothing of it reported yet. */
function currentSilence(f: Followed, dir: Dir): SideWatch {
  const w = f.sides[dir];
  const from = f.source.facts.lastPayload[dir]?.packet ?? 0;
  if (from !== w.from) {
    w.from = from;
    w.level = 0;
  }
  return w;
}

function newWatch(): SideWatch {
  return { from: -1, level: 0, queued: false, noAckTold: false };
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** ISO time, to the millisecond, of a capture-clock time (seconds since the first packet). */
function atOf(clock: CaptureClock, t: number): string {
  const i = plusSeconds({ sec: clock.originSec, nsec: clock.originNsec, packet: 0 }, t, 0);
  return isoTime(i.sec, i.nsec, Math.min(clock.digits, 3));
}

function pushHeap(heap: Deadline[], d: Deadline): void {
  heap.push(d);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.t <= d.t) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = d;
}

function popMin(heap: Deadline[]): Deadline {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && heap[r]!.t < heap[l]!.t ? r : l;
      if (heap[c]!.t >= last.t) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
  }
  return top;
}

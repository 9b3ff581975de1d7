/**
 * Outstanding tags of one channel in ascending order, with a head index. Tags arrive increasing and are mostly
 * settled in order, so the common ack is `head++`; an out-of-order one is found by binary search and marked
 * settled by negating its tag (tags are >= 1), and holes are compacted away.
 *
 * The entries are tags[head, end): the arrays keep their room past `end` for the next pushes, so memory follows the
 * larger of the live count and the room kept (at most MAX_KEPT_ROOM entries past a burst). A publisher with
 * confirms settles its queue every few hundred messages; emptying the arrays then freed their storage, and growing
 * them again made new storage that outlived young-generation collections (a quarter of what survived them while
 * reading the load capture).
 */
export class TagQueue<T> {
  #tags: number[] = [];
  #vals: (T | undefined)[] = [];
  #head = 0;
  #end = 0;
  live = 0;
  /** Set by `settle`: whether the exact tag was outstanding. */
  found = false;

  push(tag: number, val: T): void {
    const tags = this.#tags;
    const n = this.#end;
    if (n === this.#head || tag > Math.abs(tags[n - 1] as number)) {
      if (n < tags.length) {
        tags[n] = tag;
        this.#vals[n] = val;
      } else {
        tags.push(tag);
        this.#vals.push(val);
      }
      this.#end = n + 1;
      this.live++;
      return;
    }
    // Out of order (a restored transaction, or a channel reused without a captured Channel.Open): insert sorted.
    const i = this.#lowerBound(tag);
    if (i < n && Math.abs(tags[i] as number) === tag) {
      if ((tags[i] as number) < 0) this.live++;
      tags[i] = tag;
      this.#vals[i] = val;
      return;
    }
    this.#truncate(n);
    tags.splice(i, 0, tag);
    this.#vals.splice(i, 0, val);
    this.#end = n + 1;
    this.live++;
  }

  /**
   * Settle `tag` (and with `multiple`, every outstanding tag below it). Settled values are appended to `out` when
   * given. Returns how many were settled.
   */
  settle(tag: number, multiple: boolean, out: T[] | null): number {
    const tags = this.#tags;
    const vals = this.#vals;
    const head = this.#head;
    const n = this.#end;
    this.found = false;
    if (!multiple) {
      let i = head;
      if (i >= n || tags[i] !== tag) {
        i = this.#lowerBound(tag);
        if (i >= n || tags[i] !== tag) return 0;
      }
      this.found = true;
      tags[i] = -tag;
      if (out !== null) out.push(vals[i] as T);
      vals[i] = undefined;
      this.live--;
      this.#compact();
      return 1;
    }
    let count = 0;
    let i = head;
    for (; i < n; i++) {
      const t = tags[i] as number;
      if (t > 0) {
        if (t > tag) break;
        if (t === tag) this.found = true;
        tags[i] = -t;
        if (out !== null) out.push(vals[i] as T);
        vals[i] = undefined;
        count++;
      } else if (-t > tag) break;
    }
    this.live -= count;
    this.#compact();
    return count;
  }

  /** Settle everything; returns how many. */
  drain(out: T[] | null): number {
    const count = this.live;
    if (out !== null) this.forEach((v) => out.push(v));
    this.#truncate(0);
    this.#head = 0;
    this.#end = 0;
    this.live = 0;
    return count;
  }

  /** Entries the arrays hold, live, settled or room: what the queue costs in memory (for tests of its bound). */
  get capacity(): number {
    return this.#tags.length;
  }

  forEach(fn: (val: T) => void): void {
    const tags = this.#tags;
    for (let i = this.#head; i < this.#end; i++) if ((tags[i] as number) > 0) fn(this.#vals[i] as T);
  }

  /** First index whose |tag| >= tag, searching from the head. */
  #lowerBound(tag: number): number {
    const tags = this.#tags;
    let lo = this.#head;
    let hi = this.#end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Math.abs(tags[mid] as number) < tag) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The arrays cut to `length` entries, their storage given back. */
  #truncate(length: number): void {
    this.#tags.length = length;
    this.#vals.length = length;
  }

  #compact(): void {
    const tags = this.#tags;
    const end = this.#end;
    let head = this.#head;
    while (head < end && (tags[head] as number) < 0) head++;
    if (head === end) {
      // Everything settled (a consumer acking each delivery makes this the usual case; every value is already
      // cleared): start again at the front once far from it, keeping the room. A burst far above what is
      // usually outstanding gives its storage back.
      if (head > 1024) {
        if (tags.length > MAX_KEPT_ROOM) this.#truncate(0);
        head = 0;
        this.#end = 0;
      }
      this.#head = head;
      return;
    }
    this.#head = head;
    const span = end - head;
    // Drop the settled prefix once it dominates, and squeeze out holes once they outnumber the live entries, so
    // the arrays stay O(live) while each entry is moved O(1) times amortised.
    if ((head > 1024 && head * 2 > end) || span > 4 * this.live + 64) {
      const vals = this.#vals;
      let w = 0;
      for (let r = head; r < end; r++) {
        const t = tags[r] as number;
        if (t > 0) {
          tags[w] = t;
          vals[w] = vals[r];
          w++;
        }
      }
      // The slots past the live ones drop their values (they are room now); storage far beyond them is given back.
      if (tags.length > MAX_KEPT_ROOM && tags.length > 4 * w) this.#truncate(w);
      else vals.fill(undefined, w, end);
      this.#end = w;
      this.#head = 0;
    }
  }
}

/**
 * Room (entries) a queue keeps past its live ones: bounds what a past burst costs a quiet channel, at most 16,384
 * entries in two arrays (about 128 KiB) per queue, and a channel has two (unacked deliveries, publisher confirms).
 * Channels that never had a burst keep what they usually have outstanding.
 */
export const MAX_KEPT_ROOM = 1 << 14;

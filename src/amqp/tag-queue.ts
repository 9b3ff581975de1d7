/**
 * Outstanding tags of one channel in ascending order, with a head index. Tags arrive increasing and are mostly
 * settled in order, so the common ack is `head++`; an out-of-order one is found by binary search and marked
 * settled by negating its tag (tags are >= 1), and holes are compacted away so memory follows the live count.
 */
export class TagQueue<T> {
  #tags: number[] = [];
  #vals: (T | undefined)[] = [];
  #head = 0;
  live = 0;
  /** Set by `settle`: whether the exact tag was outstanding. */
  found = false;

  push(tag: number, val: T): void {
    const tags = this.#tags;
    const n = tags.length;
    if (n === this.#head || tag > Math.abs(tags[n - 1] as number)) {
      tags.push(tag);
      this.#vals.push(val);
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
    tags.splice(i, 0, tag);
    this.#vals.splice(i, 0, val);
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
    const n = tags.length;
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
    this.#tags.length = 0;
    this.#vals.length = 0;
    this.#head = 0;
    this.live = 0;
    return count;
  }

  forEach(fn: (val: T) => void): void {
    const tags = this.#tags;
    for (let i = this.#head; i < tags.length; i++) if ((tags[i] as number) > 0) fn(this.#vals[i] as T);
  }

  /** First index whose |tag| >= tag, searching from the head. */
  #lowerBound(tag: number): number {
    const tags = this.#tags;
    let lo = this.#head;
    let hi = tags.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Math.abs(tags[mid] as number) < tag) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #compact(): void {
    const tags = this.#tags;
    let head = this.#head;
    while (head < tags.length && (tags[head] as number) < 0) head++;
    if (head === tags.length) {
      // Everything settled (a consumer acking each delivery makes this the usual case): the arrays are emptied
      // only once they are long, since emptying frees their storage and the next push allocates it again.
      if (head > 1024) {
        tags.length = 0;
        this.#vals.length = 0;
        head = 0;
      }
      this.#head = head;
      return;
    }
    this.#head = head;
    const span = tags.length - head;
    // Drop the settled prefix once it dominates, and squeeze out holes once they outnumber the live entries, so
    // the arrays stay O(live) while each entry is moved O(1) times amortised.
    if ((head > 1024 && head * 2 > tags.length) || span > 4 * this.live + 64) {
      const vals = this.#vals;
      let w = 0;
      for (let r = head; r < tags.length; r++) {
        const t = tags[r] as number;
        if (t > 0) {
          tags[w] = t;
          vals[w] = vals[r];
          w++;
        }
      }
      tags.length = w;
      vals.length = w;
      this.#head = 0;
    }
  }
}

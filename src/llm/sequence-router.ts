/**
 * Which context sequence serves a request. A sequence keeps the tokens of its last request in
 * its KV cache, and llama.cpp evaluates again only what follows the prefix a new prompt shares
 * with them. Every call on a document starts with the handbook and then the document, so a
 * document's calls should land on the sequence that holds its earlier call:
 *
 * - A request has *affinity* to a sequence that shares more than its system message with it:
 *   the handbook is in every call and says nothing about where a request belongs; the document
 *   after it does. It goes to the free sequence it shares the most with.
 * - When the sequence it belongs to is busy (a sibling call of the same document), it waits
 *   for it rather than prefill its document a second time elsewhere, unless a sequence would
 *   otherwise stand idle (no sequence idles while a request waits).
 * - A request with no affinity (a new document, a blind-judge call) takes the least recently
 *   used free sequence: the one whose document is the most likely finished. Empty ones first.
 * - Requests are matched to sequences once per event-loop turn, not at the moment a sequence
 *   is released: the caller of the request that just finished sends the document's next call
 *   in the same turn, and it must find its sequence still there.
 *
 * With `affinity: false` it is the plain free list it replaces (the last released sequence
 * first, waiters in arrival order), kept so that the bench can show the difference.
 */

/** A request's prompt, as the sequence will hold it. */
export interface RoutedPrompt {
  tokens: readonly number[];
  /** Leading tokens that every call shares whatever its document (the rendered system message). */
  common: number;
}

export interface Lease<T> {
  readonly value: T;
  /** The prompt prefix the sequence already held when the request got it. */
  readonly shared: number;
}

export interface RouterOptions {
  affinity: boolean;
  /** Tokens past the system message that make an affinity (default 32: more than a document's opening tag). */
  minShared?: number;
}

interface Seat<T> {
  value: T;
  tokens: readonly number[];
  busy: boolean;
  /** Dispatch clock when last handed out; 0 = never (an empty sequence is the first to use). */
  lastUsed: number;
}

interface Waiter<T> {
  prompt: RoutedPrompt;
  resolve: (lease: Lease<T>) => void;
}

export function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class SequenceRouter<T> {
  private readonly seats: Seat<T>[];
  private readonly waiting: Waiter<T>[] = [];
  private readonly minShared: number;
  private clock = 0;
  private scheduled = false;

  constructor(
    values: readonly T[],
    private readonly opts: RouterOptions,
  ) {
    this.seats = values.map((value) => ({ value, tokens: [], busy: false, lastUsed: 0 }));
    this.minShared = opts.minShared ?? 32;
  }

  get size(): number {
    return this.seats.length;
  }

  acquire(prompt: RoutedPrompt): Promise<Lease<T>> {
    return new Promise((resolve) => {
      this.waiting.push({ prompt, resolve });
      if (this.opts.affinity) this.schedule();
      else this.dispatchFreeList();
    });
  }

  /** `holds`: the sequence's tokens after the request (its prompt and reply), as the next one will find them. */
  release(value: T, holds: readonly number[]): void {
    const seat = this.seats.find((s) => s.value === value);
    if (!seat || !seat.busy) throw new Error("SequenceRouter.release: this sequence was not handed out");
    seat.busy = false;
    seat.tokens = holds;
    if (this.opts.affinity) this.schedule();
    else {
      // The free list: the last released sequence is the next one handed out.
      this.seats.splice(this.seats.indexOf(seat), 1);
      this.seats.push(seat);
      this.dispatchFreeList();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private hand(seat: Seat<T>, waiter: Waiter<T>): void {
    this.waiting.splice(this.waiting.indexOf(waiter), 1);
    const shared = sharedPrefix(seat.tokens, waiter.prompt.tokens);
    seat.busy = true;
    seat.tokens = waiter.prompt.tokens;
    seat.lastUsed = ++this.clock;
    waiter.resolve({ value: seat.value, shared });
  }

  private dispatchFreeList(): void {
    for (;;) {
      const seat = [...this.seats].reverse().find((s) => !s.busy);
      const waiter = this.waiting[0];
      if (!seat || !waiter) return;
      this.hand(seat, waiter);
    }
  }

  /** What a request shares with a sequence beyond its system message. */
  private own(w: Waiter<T>, seat: Seat<T>): number {
    return Math.max(0, sharedPrefix(seat.tokens, w.prompt.tokens) - w.prompt.common);
  }

  private dispatch(): void {
    // 1. Requests go to the free sequence they have an affinity to, the longest shared prefix
    //    first; one whose sequence is busy, and that shares clearly less with any free one, waits.
    for (;;) {
      const free = this.seats.filter((s) => !s.busy);
      if (free.length === 0 || this.waiting.length === 0) return;
      let best: { w: Waiter<T>; seat: Seat<T>; own: number } | undefined;
      for (const w of this.waiting) {
        const busyOwn = Math.max(0, ...this.seats.filter((s) => s.busy).map((s) => this.own(w, s)));
        for (const seat of free) {
          const own = this.own(w, seat);
          if (own < this.minShared || busyOwn - own >= this.minShared) continue;
          if (!best || own > best.own || (own === best.own && seat.lastUsed < best.seat.lastUsed)) best = { w, seat, own };
        }
      }
      if (!best) break;
      this.hand(best.seat, best.w);
    }
    // 2. Requests without any affinity, in arrival order, take the least recently used free sequence.
    for (const w of [...this.waiting]) {
      const free = this.seats.filter((s) => !s.busy);
      if (free.length === 0) return;
      if (this.seats.some((s) => this.own(w, s) >= this.minShared)) continue;
      this.hand(leastRecent(free), w);
    }
    // 3. No sequence stands idle while a request waits: the rest (waiting for their busy
    //    sequence) take what is free, the most shared first.
    for (const w of [...this.waiting]) {
      const free = this.seats.filter((s) => !s.busy);
      if (free.length === 0) return;
      let seat = leastRecent(free);
      for (const s of free) if (this.own(w, s) > this.own(w, seat)) seat = s;
      this.hand(seat, w);
    }
  }
}

function leastRecent<T>(seats: Seat<T>[]): Seat<T> {
  return seats.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
}

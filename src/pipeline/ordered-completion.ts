/**
 * Units finish out of order but are recorded in input order: curation's "keep the first" and
 * the ledger then see the same sequence whatever the concurrency, and the committed units
 * always form a prefix of the input, so a resumed run continues exactly where the last one
 * stopped. A unit's window slot is freed when it is recorded, which bounds the reorder buffer
 * too.
 */
import { Semaphore } from "./semaphore.js";

export class OrderedCompletion {
  private readonly sem: Semaphore;
  private issued = 0;
  private next = 0;
  private readonly ready = new Map<number, () => void>();

  constructor(window: number) {
    this.sem = new Semaphore(window);
  }

  /** Waits for room in the window; returns the unit's turn. */
  async slot(): Promise<number> {
    await this.sem.acquire();
    return this.issued++;
  }

  /** The unit of turn `seq` is over; `record` runs once every earlier unit has been recorded. */
  complete(seq: number, record: () => void): void {
    this.ready.set(seq, record);
    for (let run = this.ready.get(this.next); run; run = this.ready.get(this.next)) {
      this.ready.delete(this.next++);
      run();
      this.sem.release();
    }
  }

  /** Units taken and not yet recorded. */
  get inFlight(): number {
    return this.sem.inFlight;
  }

  /** Resolves when every unit taken has been recorded. */
  drain(): Promise<void> {
    return this.sem.drain();
  }
}

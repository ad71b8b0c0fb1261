/** A counting semaphore: bounds the documents in flight so memory stays flat on any corpus size. */
export class Semaphore {
  private waiters: (() => void)[] = [];
  private used = 0;
  constructor(private limit: number) {}

  get inFlight(): number {
    return this.used;
  }

  async acquire(): Promise<void> {
    if (this.used < this.limit) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.used--;
  }

  /** Resolves when nothing is in flight. */
  async drain(): Promise<void> {
    while (this.used > 0) await new Promise((r) => setTimeout(r, 20));
  }
}

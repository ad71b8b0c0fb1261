/**
 * Counters of remote reads and writes, kept per run and written to stats.json under `io`:
 * what the network cost (requests, bytes) and how often it failed (retries after a
 * transient fault, reads given up on). One object per run, shared by every store.
 */
export interface IoCounters {
  /** HTTP requests made (listings, metadata, range reads, uploads), retries included. */
  requests: number;
  /** Payload bytes received (reads) or sent (uploads). */
  bytes: number;
  /** Requests repeated after a transient fault (reset, timeout, 5xx, throttling). */
  retries: number;
  /** Reads given up after the last retry, or refused for good (each also a rejection). */
  failures: number;
}

export type IoStats = IoCounters & { by_scheme: Record<string, IoCounters> };

export function emptyIoStats(): IoStats {
  return { requests: 0, bytes: 0, retries: 0, failures: 0, by_scheme: {} };
}

export class IoMeter {
  readonly stats: IoStats;

  constructor(base?: IoStats) {
    this.stats = base ? structuredClone(base) : emptyIoStats();
  }

  add(scheme: string, what: keyof IoCounters, n = 1): void {
    this.stats[what] += n;
    const s = (this.stats.by_scheme[scheme] ??= { requests: 0, bytes: 0, retries: 0, failures: 0 });
    s[what] += n;
  }

  /** True when nothing remote happened (stats.json then has no `io` block). */
  get idle(): boolean {
    return this.stats.requests === 0;
  }
}

/** Sums counters of several writers (shards, queue chunks) for `merge`. */
export function addIoStats(a: IoStats | undefined, b: IoStats | undefined): IoStats | undefined {
  if (!a) return b && structuredClone(b);
  if (!b) return structuredClone(a);
  const out = structuredClone(a);
  const m = new IoMeter(out);
  for (const [scheme, c] of Object.entries(b.by_scheme)) for (const k of ["requests", "bytes", "retries", "failures"] as const) m.add(scheme, k, c[k]);
  return m.stats;
}

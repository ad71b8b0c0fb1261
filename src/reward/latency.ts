/** Latency percentiles over a bounded window of recent samples (old samples are overwritten). */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  count = 0;

  constructor(size = 8192) {
    this.samples = new Float64Array(size);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
    this.count++;
  }

  percentiles(): { count: number; p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number } {
    const s = Array.from(this.samples.subarray(0, this.filled)).sort((a, b) => a - b);
    const at = (q: number) => (s.length === 0 ? 0 : round(s[Math.min(s.length - 1, Math.floor(q * s.length))]));
    return { count: this.count, p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), max_ms: s.length ? round(s[s.length - 1]) : 0 };
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

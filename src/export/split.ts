/**
 * The train/test split: deterministic for a seed, stratified by domain, and computed
 * from two compact arrays (a domain code and a hash per pair) so 1.2M pairs cost ~14
 * bytes each, never whole records.
 *
 * The rule (documented in docs/export.md):
 *  1. The test size K is `--test-size` itself when it is an integer ≥ 1, else
 *     round(fraction × N); K is capped at N.
 *  2. Each domain d with n_d pairs gets floor(K × n_d / N) test pairs; the pairs left over
 *     go one each to the domains with the largest remainders (ties: larger domain first,
 *     then name order). So every domain's test share is within one pair of its share overall.
 *  3. Within a domain, the test pairs are those with the smallest hash of (seed, pair id),
 *     ties broken by position. The same seed and the same data give the same test ids,
 *     whatever order the part files list the pairs in.
 */
import { fnv1a32 } from "../util/hash.js";

export type TestSize = { kind: "count"; count: number } | { kind: "fraction"; fraction: number };

/** `0.01` → 1% ; `500` → 500 pairs ; `0` → no test split. */
export function parseTestSize(raw: string): TestSize {
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v) || v < 0) {
    throw new Error(`--test-size must be a fraction in [0, 1) or a whole count ≥ 1, got "${raw}"`);
  }
  if (v >= 1) {
    if (!Number.isInteger(v)) throw new Error(`--test-size ${raw}: a count must be a whole number (use a value below 1 for a fraction)`);
    return { kind: "count", count: v };
  }
  return { kind: "fraction", fraction: v };
}

export function testCount(size: TestSize, total: number): number {
  const k = size.kind === "count" ? size.count : Math.round(size.fraction * total);
  return Math.max(0, Math.min(total, k));
}

/** A 53-bit hash in [0, 1) of (seed, id): two independent 32-bit FNV-1a halves. */
export function splitHash(seed: number, id: string): number {
  const hi = fnv1a32(`${seed}\u0000${id}`) >>> 11; // 21 bits
  const lo = fnv1a32(`${id}\u0000${seed}`); // 32 bits
  return (hi * 4294967296 + lo) / 2 ** 53;
}

/** Per-domain test quotas by largest remainder (rule 2 above). */
export function allocateQuotas(domainCounts: Map<string, number>, k: number): Map<string, number> {
  const total = [...domainCounts.values()].reduce((a, b) => a + b, 0);
  const quotas = new Map<string, number>();
  if (total === 0) return quotas;
  const rest: { domain: string; remainder: number; n: number }[] = [];
  let assigned = 0;
  for (const [domain, n] of domainCounts) {
    const exact = (k * n) / total;
    const q = Math.floor(exact);
    quotas.set(domain, q);
    assigned += q;
    rest.push({ domain, remainder: exact - q, n });
  }
  rest.sort((a, b) => b.remainder - a.remainder || b.n - a.n || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  for (let i = 0; assigned < k && i < rest.length; i++, assigned++) {
    quotas.set(rest[i].domain, quotas.get(rest[i].domain)! + 1);
  }
  return quotas;
}

/** Collects (domain, hash) per pair in arrival order, then decides which positions are test. */
export class SplitPlanner {
  private domains = new Map<string, number>();
  private domainNames: string[] = [];
  private codes = new Uint16Array(1024);
  private hashes = new Float64Array(1024);
  private n = 0;

  constructor(private readonly seed: number) {}

  get size(): number {
    return this.n;
  }

  add(domain: string, id: string): void {
    let code = this.domains.get(domain);
    if (code === undefined) {
      if (this.domainNames.length >= 0xffff) throw new Error("more than 65535 distinct domains: not a domain field");
      code = this.domainNames.length;
      this.domains.set(domain, code);
      this.domainNames.push(domain);
    }
    if (this.n === this.codes.length) {
      const codes = new Uint16Array(this.n * 2);
      codes.set(this.codes);
      this.codes = codes;
      const hashes = new Float64Array(this.n * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.codes[this.n] = code;
    this.hashes[this.n] = splitHash(this.seed, id);
    this.n++;
  }

  domainCounts(): Map<string, number> {
    const counts = new Map<string, number>(this.domainNames.map((d) => [d, 0]));
    for (let i = 0; i < this.n; i++) {
      const d = this.domainNames[this.codes[i]];
      counts.set(d, counts.get(d)! + 1);
    }
    return counts;
  }

  /** A bitmap over positions: 1 = test. */
  plan(size: TestSize): { isTest: Uint8Array; testCount: number; quotas: Map<string, number> } {
    const isTest = new Uint8Array(this.n);
    const k = testCount(size, this.n);
    const quotas = allocateQuotas(this.domainCounts(), k);
    if (k === 0) return { isTest, testCount: 0, quotas };
    // Positions grouped by domain, each group sorted by hash then position.
    const byDomain: number[][] = this.domainNames.map(() => []);
    for (let i = 0; i < this.n; i++) byDomain[this.codes[i]].push(i);
    this.domainNames.forEach((domain, code) => {
      const q = quotas.get(domain) ?? 0;
      if (q === 0) return;
      const positions = Int32Array.from(byDomain[code]);
      positions.sort((a, b) => this.hashes[a] - this.hashes[b] || a - b);
      for (let j = 0; j < q; j++) isTest[positions[j]] = 1;
    });
    return { isTest, testCount: k, quotas };
  }
}

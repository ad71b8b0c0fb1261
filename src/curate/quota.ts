/**
 * Domain quotas and the per-document cap. A quota is an absolute count (`Math=1000`) or a
 * share of `targetPairs` (`Coding=0.15` → floor(0.15 · targetPairs)). Domains match
 * case-insensitively; domains without a quota are unlimited. Limits hold exactly: a pair
 * is admitted only while its domain's count is below the limit.
 */
import { Hash64Map } from "./hash-tables.js";
import { hashString64 } from "./hash64.js";

/** Windows of one document (`doc#w3`) count as that document for `maxPerDoc`. */
export function sourceDocId(docId: string): string {
  return docId.replace(/#w\d+$/, "");
}

export class Quotas {
  readonly limits = new Map<string, number>();
  /** Display names of the configured domains, by key. */
  private readonly names = new Map<string, string>();
  readonly kept = new Map<string, number>();
  private readonly perDoc = new Hash64Map();
  private readonly h = new Uint32Array(2);
  readonly skippedBeforeGeneration: Record<string, number> = {};

  constructor(quota: Record<string, number>, targetPairs: number | undefined, readonly maxPerDoc: number | undefined) {
    for (const [domain, v] of Object.entries(quota)) {
      const key = domain.toLowerCase();
      this.limits.set(key, v < 1 ? Math.floor(v * (targetPairs ?? 0)) : v);
      this.names.set(key, domain);
    }
  }

  limit(domain: string): number | undefined {
    return this.limits.get(domain.toLowerCase());
  }

  count(domain: string): number {
    return this.kept.get(domain.toLowerCase()) ?? 0;
  }

  /** True while the domain has room. A false answer is counted as a skip before generation. */
  allows(domain: string): boolean {
    const limit = this.limit(domain);
    if (limit === undefined || this.count(domain) < limit) return true;
    this.skippedBeforeGeneration[domain] = (this.skippedBeforeGeneration[domain] ?? 0) + 1;
    return false;
  }

  docHash(docId: string, out: Uint32Array): void {
    hashString64(sourceDocId(docId), out);
  }

  docCount(hi: number, lo: number): number {
    const v = this.perDoc.get(hi, lo);
    return v < 0 ? 0 : v;
  }

  /** Why the pair may not be admitted, or null. */
  check(domain: string, docHi: number, docLo: number): { code: "domain_full" | "max_per_doc"; limit: number; count: number } | null {
    const limit = this.limit(domain);
    const count = this.count(domain);
    if (limit !== undefined && count >= limit) return { code: "domain_full", limit, count };
    if (this.maxPerDoc !== undefined) {
      const n = this.docCount(docHi, docLo);
      if (n >= this.maxPerDoc) return { code: "max_per_doc", limit: this.maxPerDoc, count: n };
    }
    return null;
  }

  record(domain: string, docHi: number, docLo: number): void {
    const key = domain.toLowerCase();
    this.kept.set(key, (this.kept.get(key) ?? 0) + 1);
    if (this.maxPerDoc !== undefined) this.perDoc.put(docHi, docLo, this.docCount(docHi, docLo) + 1);
  }

  stats(): Record<string, unknown> {
    const limits: Record<string, number> = {};
    for (const [k, v] of this.limits) limits[this.names.get(k) ?? k] = v;
    return { limits, max_per_doc: this.maxPerDoc ?? null, skipped_before_generation: { ...this.skippedBeforeGeneration } };
  }
}

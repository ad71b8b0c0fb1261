/**
 * The curator: the curation stages after Check, in order quality → decontamination →
 * dedup → quota / max-per-doc, behind the API the orchestrator and `webscale-rl curate`
 * call. `admit` is synchronous (the hot path); state reaches disk at `commit`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { QaRecord, Rejection } from "../records.js";
import { loadBenchmark } from "./benchmarks.js";
import { NgramIndex } from "./decontaminate.js";
import { hashString64 } from "./hash64.js";
import { MultiMap32 } from "./hash-tables.js";
import { HEADER_WORDS, KeptStore, type KeptListener } from "./kept-store.js";
import { estimateJaccard, MinHasher, optimalBands } from "./minhash.js";
import { validateCurateOptions, type CurateOptions } from "./options.js";
import { checkQuality } from "./quality.js";
import { Quotas } from "./quota.js";
import { WordHashes } from "./words.js";

export { defaultCurateOptions, type CurateOptions } from "./options.js";

/** Seed of the MinHash permutation family; stored in the state so resumes agree. */
const MINHASH_SEED = 0x5eed1234;

interface Counters {
  pairs_in: number;
  pairs_kept: number;
  readmitted: number;
  rejected: Record<string, number>;
  contamination: Record<string, number>;
}

/** Where a run's curation state stood at one of its checkpoints: kept pairs and counters. */
export interface CurationMark {
  kept: number;
  counters: Counters;
}

export class Curator {
  private readonly words = new WordHashes();
  private readonly h = new Uint32Array(2);
  private readonly idH = new Uint32Array(2);
  private readonly docH = new Uint32Array(2);
  private readonly sig: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly other: Uint32Array;
  private readonly lsh = new MultiMap32();
  private readonly checked: number[] = [];
  private readonly hasher: MinHasher | null;
  private readonly quotas: Quotas;
  private readonly keptByDomain: number[] = [];
  private counters: Counters;
  private store!: KeptStore;

  private constructor(
    readonly stateDir: string,
    readonly opts: CurateOptions,
    private readonly index: NgramIndex | null,
  ) {
    const { numPerm, shingle, threshold } = opts.nearDup;
    this.hasher = opts.dedup ? new MinHasher(numPerm, shingle, MINHASH_SEED, optimalBands(threshold, numPerm)) : null;
    this.sig = new Uint32Array(numPerm);
    this.keys = new Uint32Array(numPerm);
    this.other = new Uint32Array(HEADER_WORDS + numPerm);
    this.quotas = new Quotas(opts.domainQuota, opts.targetPairs, opts.maxPerDoc);
    const file = join(stateDir, "counters.json");
    this.counters = existsSync(file)
      ? (JSON.parse(readFileSync(file, "utf8")) as Counters)
      : { pairs_in: 0, pairs_kept: 0, readmitted: 0, rejected: {}, contamination: {} };
  }

  /**
   * Validates options, loads the benchmark n-grams and replays the dedup state in `stateDir`;
   * from `resumeAt` (its `mark` at the run's last checkpoint) when given, so that
   * pairs kept after that checkpoint, which the resumed run admits again in the same order, are
   * not already there to be matched as near duplicates of earlier pairs.
   */
  static async open(stateDir: string, opts: CurateOptions, resumeAt?: CurationMark): Promise<Curator> {
    validateCurateOptions(opts);
    let index: NgramIndex | null = null;
    if (opts.decontaminate && opts.benchmarks.length > 0) {
      index = new NgramIndex(opts.ngram);
      for (const spec of opts.benchmarks) index.add(await loadBenchmark(spec));
    }
    const c = new Curator(stateDir, opts, index);
    if (resumeAt) c.counters = structuredClone(resumeAt.counters);
    const params = { numPerm: opts.dedup ? opts.nearDup.numPerm : 0, shingle: opts.dedup ? opts.nearDup.shingle : 0, seed: MINHASH_SEED };
    c.store = KeptStore.open(stateDir, params, c.onKept, resumeAt?.kept);
    return c;
  }

  /** Keeps the in-memory indexes in step with the store (replay and new records alike). */
  private readonly onKept: KeptListener = (index, w, o) => {
    const domain = w[o + 6];
    this.keptByDomain[domain] = (this.keptByDomain[domain] ?? 0) + 1;
    this.quotas.record(this.store ? this.store.domainName(domain) : this.pendingDomainName(domain), w[o + 4], w[o + 5]);
    if (this.hasher && (w[o + 10] & 1) !== 0) {
      this.hasher.bandKeys(w.subarray(o + HEADER_WORDS, o + HEADER_WORDS + this.hasher.numPerm), this.keys);
      for (let j = 0; j < this.hasher.lsh.bands; j++) this.lsh.add(this.keys[j], index);
    }
  };

  /** During replay the store is not assigned yet; read the names it loaded. */
  private pendingDomainName(n: number): string {
    const file = join(this.stateDir, "domains.json");
    this.replayDomains ??= existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as string[]) : [];
    return this.replayDomains[n] ?? `#${n}`;
  }
  private replayDomains: string[] | undefined;

  /** Before generation: false when the domain's quota is full (counted as a skip). */
  quotaAllows(domain: string): boolean {
    return this.quotas.allows(domain);
  }

  /** Runs every enabled rule; null = admitted (and remembered as kept). */
  admit(rec: QaRecord): Rejection | null {
    const c = this.counters;
    c.pairs_in++;
    hashString64(rec.id, this.idH);
    if (this.store.byId.get(this.idH[0], this.idH[1]) >= 0) {
      // A resumed run regenerating a pair it already kept (after the last commit of its
      // output): not a duplicate of itself, and kept again in that output.
      c.readmitted++;
      c.pairs_kept++;
      return null;
    }
    if (this.opts.quality) {
      const issue = checkQuality(rec, this.opts.maxAnswerWords);
      if (issue) return this.reject(rec, "quality", issue.code, issue.detail);
    }
    const w = this.words.set(rec.question);
    const qLen = w.length;
    if (this.index) {
      w.append(rec.answer);
      const hit = this.index.find(w);
      if (hit) {
        c.contamination[hit.benchmark] = (c.contamination[hit.benchmark] ?? 0) + 1;
        return this.reject(rec, "decontaminate", "benchmark_overlap", `shares a ${hit.ngram}-word sequence with ${hit.benchmark} item ${hit.item} (${hit.field})`, {
          benchmark: hit.benchmark,
          item: hit.item,
          field: hit.field,
          ngram: hit.ngram,
        });
      }
    }
    let hasSig = false;
    w.prefixHash(qLen, this.h);
    if (this.hasher) {
      const exact = this.store.byExact.get(this.h[0], this.h[1]);
      if (exact >= 0) return this.reject(rec, "dedup", "exact", undefined, { duplicate_of: this.store.id(exact) });
      hasSig = this.hasher.signature(w, qLen, this.sig);
      if (hasSig) {
        const near = this.nearDuplicate();
        if (near) return this.reject(rec, "dedup", "near", `estimated Jaccard ${near.similarity.toFixed(2)}`, { duplicate_of: this.store.id(near.index), similarity: near.similarity });
      }
    }
    this.quotas.docHash(rec.doc_id, this.docH);
    const q = this.quotas.check(rec.domain, this.docH[0], this.docH[1]);
    if (q) {
      const detail = q.code === "domain_full" ? `domain ${rec.domain} has its ${q.limit} pairs` : `document already has ${q.count} pairs`;
      return this.reject(rec, "quota", q.code, detail, q.code === "domain_full" ? { domain: rec.domain, limit: q.limit } : { doc_id: rec.doc_id, limit: q.limit });
    }
    this.store.add(
      {
        exactHi: this.h[0], exactLo: this.h[1], idHi: this.idH[0], idLo: this.idH[1], docHi: this.docH[0], docLo: this.docH[1],
        domain: this.store.domainNumber(rec.domain), id: rec.id, sig: hasSig ? this.sig : null,
      },
      this.onKept,
    );
    c.pairs_kept++;
    return null;
  }

  /** The first kept pair whose LSH buckets meet this signature and whose estimated Jaccard passes. */
  private nearDuplicate(): { index: number; similarity: number } | null {
    const hasher = this.hasher!;
    hasher.bandKeys(this.sig, this.keys);
    let found: { index: number; similarity: number } | null = null;
    // A kept pair met in several bands is compared once.
    const checked = this.checked;
    checked.length = 0;
    for (let j = 0; j < hasher.lsh.bands && !found; j++) {
      this.lsh.forEach(this.keys[j], (index) => {
        if (checked.includes(index)) return false;
        checked.push(index);
        this.store.record(index, this.other);
        const sim = estimateJaccard(this.sig, this.other.subarray(HEADER_WORDS), hasher.numPerm);
        if (sim >= this.opts.nearDup.threshold) {
          found = { index, similarity: sim };
          return true;
        }
        return false;
      });
    }
    return found;
  }

  private reject(rec: QaRecord, stage: string, code: string, detail?: string, data?: Record<string, unknown>): Rejection {
    const reason = `${stage}.${code}`;
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    return {
      kind: "pair",
      stage,
      reason,
      ...(detail ? { detail } : {}),
      doc_id: rec.doc_id,
      source: rec.source,
      pair: { id: rec.id, question: rec.question, answer: rec.answer, answer_type: rec.answer_type, persona: rec.persona, domain: rec.domain },
      ...(data ? { data } : {}),
    };
  }

  /** Persists the kept-pair log and the counters (call at the orchestrator's checkpoints). */
  async commit(): Promise<void> {
    this.store.commit();
    writeFileSync(join(this.stateDir, "counters.json"), JSON.stringify(this.counters) + "\n");
  }

  /**
   * Where the state stands now, for the orchestrator's checkpoint (taken together with its
   * other counters; the next `commit` persists at least this much). See `open`.
   */
  mark(): CurationMark {
    return { kept: this.store.count, counters: structuredClone(this.counters) };
  }

  /** The `curation` block of stats.json (cumulative across resumes). */
  stats(): Record<string, unknown> {
    const c = this.counters;
    const byPrefix = (prefix: string) =>
      Object.fromEntries(Object.entries(c.rejected).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const keptPerDomain: Record<string, number> = {};
    this.keptByDomain.forEach((n, d) => {
      if (n) keptPerDomain[this.store.domainName(d)] = n;
    });
    const quota = this.quotas.stats();
    return {
      pairs_in: c.pairs_in,
      pairs_kept: c.pairs_kept,
      readmitted: c.readmitted,
      kept_in_state: this.store.count,
      rejected: { ...c.rejected },
      quality: byPrefix("quality."),
      dedup: {
        enabled: this.opts.dedup,
        exact: c.rejected["dedup.exact"] ?? 0,
        near: c.rejected["dedup.near"] ?? 0,
        ...(this.hasher ? { threshold: this.opts.nearDup.threshold, num_perm: this.hasher.numPerm, shingle: this.hasher.shingle, bands: this.hasher.lsh.bands, rows: this.hasher.lsh.rows } : {}),
      },
      contamination: {
        enabled: this.opts.decontaminate,
        ngram: this.opts.ngram,
        per_benchmark: { ...Object.fromEntries((this.index?.stats ?? []).map((s) => [s.file, 0])), ...c.contamination },
        benchmarks: this.index?.stats ?? [],
      },
      quota: {
        ...quota,
        kept_per_domain: keptPerDomain,
        rejected_domain_full: c.rejected["quota.domain_full"] ?? 0,
        rejected_max_per_doc: c.rejected["quota.max_per_doc"] ?? 0,
      },
    };
  }

  /** Bytes held in typed arrays (for benchmarks and logs). */
  memoryBytes(): number {
    return this.store.bytes + this.lsh.bytes + (this.index?.bytes ?? 0);
  }

  async close(): Promise<void> {
    await this.commit();
    this.store.close();
  }
}

/**
 * The curator: the curation stages after Check, in order quality → decontamination →
 * dedup → quota / max-per-doc, behind the API the orchestrator and `webscale-rl curate`
 * call. `admit` is synchronous (the hot path); state reaches disk at `commit`.
 */
import { existsSync, readFileSync } from "node:fs";
import { writeJsonAtomic } from "../pipeline/checkpoint.js";
import { join } from "node:path";
import type { QaRecord, Rejection } from "../records.js";
import { loadBenchmark } from "./benchmarks.js";
import { NgramIndex } from "./decontaminate.js";
import { fmix32, hashString32, hashString64 } from "./hash64.js";
import { MultiMap32 } from "./hash-tables.js";
import { F_CASE, FEATURE_SLOTS, HEADER_WORDS, KeptStore, type KeptListener } from "./kept-store.js";
import { bandKeys, MinHasher, optimalBands, type LshBands } from "./minhash.js";
import { validateCurateOptions, type CurateOptions } from "./options.js";
import { guardPair } from "../quality/guards.js";
import { Quotas } from "./quota.js";
import { WordHashes } from "./words.js";
import { KeptFeatures, NAME_BIT, toSorted16 } from "./kept-features.js";
import { answerKey, questionFeatures } from "../quality/similarity.js";
import { judgeDifficulty } from "./difficulty.js";

export { defaultCurateOptions, type CurateOptions } from "./options.js";

/** Seed of the MinHash permutation family; stored in the state so resumes agree. */
const MINHASH_SEED = 0x5eed1234;
/**
 * Bands of the same-answer family: 21 × 6 makes pairs at Jaccard 0.6 candidates with
 * probability 0.63, at 0.7 with 0.93, at 0.8 with 1.00, and at 0.4 (template-like questions
 * with a common answer such as "Yes") with 0.08, at 0.5 with 0.28. Fewer rows let such
 * questions crowd the candidates (each costs a comparison on every admission); more bands
 * cost memory for every kept pair. Paraphrases mostly score 0.8 or more (docs/curation.md).
 */
const SAME_ANSWER_BANDS: LshBands = { bands: 21, rows: 6 };
/**
 * Most kept pairs one admission compares itself with. Real questions seldom share buckets;
 * template-like ones with a common answer can crowd them as the kept set grows, and without a
 * bound each admission would cost more than the last. A pair met past the bound is not
 * compared (a missed duplicate, never a wrong rejection).
 */
const MAX_CANDIDATES = 128;

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
  private features = new Uint32Array(64);
  private readonly tmp = new Uint32Array(2);
  private answerKey = 0;
  private featureCount = 0;
  private caseKnown = false;
  /** The same hashes sorted, for the kept record and the exact Jaccard. */
  private sorted = new Uint32Array(64);
  private numbersKey = 0;
  private readonly keys: Uint32Array;
  private readonly lsh = new MultiMap32();
  /** Per kept pair, the admission that last compared it (a pair met in several bands is compared once). */
  private seen = new Uint32Array(1024);
  private admission = 0;
  /** The kept index that `keys` were computed for (the pair being admitted), or -1. */
  private keysFor = -1;
  private readonly kept = new KeptFeatures();
  private query16 = new Uint16Array(64);
  private readonly kept16 = new Uint16Array(FEATURE_SLOTS);
  private readonly hasher: MinHasher | null;
  /**
   * Two LSH families over one signature, both keyed by the question's numbers (which must
   * agree): `anyAnswer` tuned for `threshold`, `sameAnswer` for `answerThreshold` with the
   * answer key mixed in, so a loose match is only looked for among pairs with the same answer.
   */
  private readonly anyAnswer: LshBands = { bands: 0, rows: 0 };
  private readonly sameAnswer: LshBands = { bands: 0, rows: 0 };
  private readonly quotas: Quotas;
  private readonly keptByDomain: number[] = [];
  private counters: Counters;
  private store!: KeptStore;

  private constructor(
    readonly stateDir: string,
    readonly opts: CurateOptions,
    private readonly index: NgramIndex | null,
  ) {
    const { numPerm, shingle, threshold, answerThreshold } = opts.nearDup;
    // (answerThreshold picks the bands only when numPerm is too small for SAME_ANSWER_BANDS.)
    this.hasher = opts.dedup ? new MinHasher(numPerm, shingle, MINHASH_SEED) : null;
    if (this.hasher) {
      this.anyAnswer = optimalBands(threshold, numPerm);
      this.sameAnswer = SAME_ANSWER_BANDS.bands * SAME_ANSWER_BANDS.rows <= numPerm ? SAME_ANSWER_BANDS : optimalBands(answerThreshold, numPerm);
    }
    this.sig = new Uint32Array(numPerm);
    this.keys = new Uint32Array(this.anyAnswer.bands + this.sameAnswer.bands);
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
      const f = o + HEADER_WORDS + this.hasher.numPerm;
      const n = Math.min(w[f], FEATURE_SLOTS);
      toSorted16(w.subarray(f + 1, f + 1 + n), n, this.kept16);
      this.kept.set(index, this.kept16, n, (w[o + 10] & F_CASE) !== 0, w[o + 11], w[o + 12]);
      // A new pair's band keys were just computed by nearDuplicate; a replayed one's are not.
      const bands = this.keysFor === index ? this.anyAnswer.bands + this.sameAnswer.bands : this.allBandKeys(w.subarray(o + HEADER_WORDS, o + HEADER_WORDS + this.hasher.numPerm), w[o + 11], w[o + 12]);
      for (let j = 0; j < bands; j++) this.lsh.add(this.keys[j], index);
    }
  };

  /** Band keys of both families into `keys`; returns how many. */
  private allBandKeys(sig: Uint32Array, answerKey: number, numbersKey: number): number {
    bandKeys(sig, this.anyAnswer, numbersKey, this.keys, 0);
    bandKeys(sig, this.sameAnswer, fmix32((numbersKey ^ Math.imul(answerKey, 0x85ebca6b)) >>> 0) ^ 0x5a5a5a5a, this.keys, this.anyAnswer.bands);
    return this.anyAnswer.bands + this.sameAnswer.bands;
  }

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

  /**
   * Runs every enabled rule; null = admitted (and remembered as kept). A sentence answer with a
   * checkable core is reduced in place: `rec.answer` becomes the core (and `rec.answer_type`
   * yes_no for a "Yes, …" answer), the sentence goes to `rec.answer_original`.
   */
  admit(rec: QaRecord): Rejection | null {
    const c = this.counters;
    c.pairs_in++;
    this.keysFor = -1;
    hashString64(rec.id, this.idH);
    if (this.store.byId.get(this.idH[0], this.idH[1]) >= 0) {
      // A resumed run regenerating a pair it already kept (after the last commit of its
      // output): not a duplicate of itself, and kept again in that output.
      c.readmitted++;
      c.pairs_kept++;
      return null;
    }
    if (this.opts.quality) {
      const g = guardPair(rec, { maxAnswerWords: this.opts.maxAnswerWords });
      if (!g.ok) return this.reject(rec, "quality", g.code, g.detail);
      if (g.reducedFrom) {
        rec.answer = g.answer;
        rec.answer_type = g.answer_type;
        rec.answer_original = g.reducedFrom;
      }
    }
    const w = this.words.set(rec.question);
    const qLen = w.length;
    if (this.index) {
      w.append(rec.answer);
      const hit = this.index.find(w, qLen);
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
    // Before dedup and quotas: a pair outside the band must not take a kept pair's place.
    if (this.opts.difficulty) {
      const d = judgeDifficulty(rec, this.opts.difficulty);
      if (d) return this.reject(rec, "difficulty", d.code, d.detail, d.data);
    }
    let hasSig = false;
    w.prefixHash(qLen, this.h);
    if (this.hasher) {
      const n = this.featureHashes(rec);
      const exact = this.store.byExact.get(this.h[0], this.h[1]);
      if (exact >= 0) return this.reject(rec, "dedup", "exact", undefined, { duplicate_of: this.store.id(exact) });
      hasSig = this.hasher.signature(this.features, n, this.sig);
      if (hasSig) {
        const near = this.nearDuplicate();
        this.keysFor = this.store.count; // the index this pair gets if it is kept
        if (near) return this.reject(rec, "dedup", "near", `content-word Jaccard ${near.similarity.toFixed(2)}`, { duplicate_of: this.store.id(near.index), similarity: near.similarity });
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
        answerKey: this.answerKey, numbersKey: this.numbersKey, features: this.sorted, featureCount: this.featureCount, caseKnown: this.caseKnown,
      },
      this.onKept,
    );
    this.keysFor = -1;
    c.pairs_kept++;
    return null;
  }

  /**
   * Hashes the question's content words into `features` (returns how many), and sets the
   * answer and number keys. Operators go into the exact key too: "7 // 2" is not "7 / 2".
   */
  private featureHashes(rec: QaRecord): number {
    const f = questionFeatures(rec.question);
    if (this.features.length < f.words.length) this.features = new Uint32Array(f.words.length * 2);
    let ops = 0;
    f.words.forEach((word, i) => {
      const h = hashString32(word);
      this.features[i] = word.startsWith("@") ? (h | NAME_BIT) >>> 0 : (h & ~NAME_BIT) >>> 0;
      if (word.startsWith("$")) ops = (ops + h) >>> 0;
    });
    if (ops !== 0) this.h[0] = (this.h[0] ^ ops) >>> 0;
    this.featureCount = f.words.length;
    this.caseKnown = f.caseKnown;
    if (this.sorted.length < this.features.length) this.sorted = new Uint32Array(this.features.length);
    this.sorted.set(this.features.subarray(0, f.words.length));
    this.sorted.subarray(0, f.words.length).sort();
    if (this.query16.length < this.features.length) this.query16 = new Uint16Array(this.features.length);
    toSorted16(this.sorted, Math.min(f.words.length, FEATURE_SLOTS), this.query16);
    hashString64(answerKey(rec.answer), this.tmp);
    this.answerKey = this.tmp[0];
    hashString64(f.numbers.join(" "), this.tmp);
    this.numbersKey = this.tmp[0];
    return f.words.length;
  }

  /**
   * The first kept pair whose LSH buckets meet this signature, with the same numbers, and an
   * estimated Jaccard at `threshold`, or at `answerThreshold` with an agreeing answer.
   */
  private nearDuplicate(): { index: number; similarity: number } | null {
    const bands = this.allBandKeys(this.sig, this.answerKey, this.numbersKey);
    let found: { index: number; similarity: number } | null = null;
    if (this.seen.length < this.store.count) {
      const next = new Uint32Array(Math.max(this.store.count, this.seen.length * 2));
      next.set(this.seen);
      this.seen = next;
    }
    const stamp = ++this.admission;
    let compared = 0;
    const { threshold, answerThreshold } = this.opts.nearDup;
    const n = Math.min(this.featureCount, FEATURE_SLOTS);
    for (let j = 0; j < bands && !found && compared <= MAX_CANDIDATES; j++) {
      this.lsh.forEach(this.keys[j], (index) => {
        if (this.seen[index] === stamp) return false;
        this.seen[index] = stamp;
        if (++compared > MAX_CANDIDATES) return true;
        if (this.kept.numbersKey(index) !== this.numbersKey) return false;
        const sim = this.kept.similarity(index, this.query16, n, this.caseKnown);
        if (sim >= threshold || (sim >= answerThreshold && this.kept.answerKey(index) === this.answerKey)) {
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
    // Replaced by rename: a kill -9 mid-write must not leave an empty counters.json.
    writeJsonAtomic(join(this.stateDir, "counters.json"), this.counters);
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
        ...(this.hasher ? { threshold: this.opts.nearDup.threshold, answer_threshold: this.opts.nearDup.answerThreshold, num_perm: this.hasher.numPerm, shingle: this.hasher.shingle, bands: this.anyAnswer.bands, rows: this.anyAnswer.rows, same_answer_bands: this.sameAnswer.bands, same_answer_rows: this.sameAnswer.rows } : {}),
      },
      contamination: {
        enabled: this.opts.decontaminate,
        ngram: this.opts.ngram,
        per_benchmark: { ...Object.fromEntries((this.index?.stats ?? []).map((s) => [s.file, 0])), ...c.contamination },
        benchmarks: this.index?.stats ?? [],
      },
      ...(this.opts.difficulty
        ? {
            difficulty: {
              band: [this.opts.difficulty.min, this.opts.difficulty.max],
              model: this.opts.difficulty.model ?? "each pair's first rollout entry",
              strongest: this.opts.difficulty.strongest ?? null,
              ...byPrefix("difficulty."),
            },
          }
        : {}),
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
    return this.store.bytes + this.lsh.bytes + this.kept.bytes + (this.index?.bytes ?? 0);
  }

  async close(): Promise<void> {
    await this.commit();
    this.store.close();
  }
}

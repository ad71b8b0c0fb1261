/**
 * Curation options, their defaults and the parsers shared by `run` and `curate` flags.
 * Config errors throw `CurateConfigError` with a message that says what to do.
 */
import { NEAR_DUP_SAME_ANSWER, NEAR_DUP_SAME_QUESTION } from "../quality/similarity.js";
import type { DifficultyOptions } from "./difficulty.js";

export interface BenchmarkSpec {
  path: string;
  /** Text fields to read; overrides `preset`. */
  fields?: string[];
  /** One of BENCHMARK_PRESETS or "auto" (the default). */
  preset?: string;
}

export interface CurateOptions {
  dedup: boolean;
  /**
   * Near-duplicate questions (src/quality/similarity.ts): estimated Jaccard of content words at
   * `threshold` or more whatever the answers, at `answerThreshold` or more when the answers
   * agree; `shingle` content words per MinHash shingle.
   */
  nearDup: { threshold: number; answerThreshold: number; numPerm: number; shingle: number };
  decontaminate: boolean;
  benchmarks: BenchmarkSpec[];
  ngram: number;
  quality: boolean;
  maxAnswerWords: number;
  /** Domain → absolute count (≥ 1) or share of `targetPairs` (0 < x < 1). */
  domainQuota: Record<string, number>;
  targetPairs?: number;
  maxPerDoc?: number;
  /** Keep a band of measured pass rates (`--pass-rate`; src/curate/difficulty.ts). */
  difficulty?: DifficultyOptions;
}

export const defaultCurateOptions: CurateOptions = {
  dedup: true,
  nearDup: { threshold: NEAR_DUP_SAME_QUESTION, answerThreshold: NEAR_DUP_SAME_ANSWER, numPerm: 128, shingle: 1 },
  decontaminate: true,
  benchmarks: [],
  ngram: 13,
  quality: true,
  maxAnswerWords: 10,
  domainQuota: {},
};

export class CurateConfigError extends Error {}

/** Checks an options object before any work; throws CurateConfigError. */
export function validateCurateOptions(o: CurateOptions): void {
  const fail = (m: string) => {
    throw new CurateConfigError(m);
  };
  const { threshold, answerThreshold, numPerm, shingle } = o.nearDup;
  if (!(threshold > 0 && threshold <= 1)) fail(`near-duplicate threshold must be in (0, 1], got ${threshold}`);
  if (!(answerThreshold > 0 && answerThreshold <= threshold)) fail(`near-duplicate answer threshold must be in (0, threshold=${threshold}], got ${answerThreshold}`);
  if (!Number.isInteger(numPerm) || numPerm < 16 || numPerm > 1024) fail(`near-duplicate numPerm must be an integer in [16, 1024], got ${numPerm}`);
  if (!Number.isInteger(shingle) || shingle < 1 || shingle > 16) fail(`near-duplicate shingle must be an integer in [1, 16] words, got ${shingle}`);
  if (!Number.isInteger(o.ngram) || o.ngram < 3 || o.ngram > 50) fail(`--ngram must be an integer in [3, 50], got ${o.ngram}`);
  if (!Number.isInteger(o.maxAnswerWords) || o.maxAnswerWords < 1) fail(`--max-answer-words must be a positive integer, got ${o.maxAnswerWords}`);
  if (o.maxPerDoc !== undefined && (!Number.isInteger(o.maxPerDoc) || o.maxPerDoc < 1)) fail(`--max-per-doc must be a positive integer, got ${o.maxPerDoc}`);
  if (o.targetPairs !== undefined && (!Number.isInteger(o.targetPairs) || o.targetPairs < 1)) fail(`--target-pairs must be a positive integer, got ${o.targetPairs}`);
  let shares = 0;
  for (const [domain, v] of Object.entries(o.domainQuota)) {
    if (!(v > 0)) fail(`domain quota for "${domain}" must be > 0, got ${v}`);
    if (v < 1) {
      shares += v;
      if (o.targetPairs === undefined)
        fail(`domain quota "${domain}=${v}" is a share; shares need a total: add --target-pairs N (or give an absolute count, e.g. ${domain}=1000)`);
    } else if (!Number.isInteger(v)) fail(`domain quota for "${domain}" must be a share below 1 or a whole count, got ${v}`);
  }
  if (shares > 1 + 1e-9) fail(`domain quota shares add up to ${shares.toFixed(3)}, more than 1`);
  if (o.difficulty) {
    const { min, max } = o.difficulty;
    if (!(min >= 0 && max <= 1 && min <= max)) fail(`the pass-rate band must have 0 ≤ min ≤ max ≤ 1, got ${min}-${max}`);
  }
  if (o.decontaminate && o.benchmarks.length === 0) {
    // Not an error: decontamination is simply a no-op without benchmark files.
  }
}

/** Parses `Coding=0.15,Other=0.05` or `Math=1000` (repeatable; later wins). */
export function parseDomainQuota(specs: string | string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of Array.isArray(specs) ? specs : [specs]) {
    for (const part of spec.split(",")) {
      const item = part.trim();
      if (!item) continue;
      const eq = item.lastIndexOf("=");
      const value = eq > 0 ? Number(item.slice(eq + 1)) : NaN;
      if (eq <= 0 || !Number.isFinite(value))
        throw new CurateConfigError(`--domain-quota: "${item}" is not DOMAIN=VALUE (e.g. Coding=0.15 for a share, Math=1000 for a count)`);
      out[item.slice(0, eq).trim()] = value;
    }
  }
  return out;
}

/**
 * Builds benchmark specs from file paths and `--benchmark-fields` values. A fields value is
 * `[FILE=]LIST`: LIST is a preset name (gsm8k, math, ...) or comma-separated field names;
 * without `FILE=` it applies to every file that has no own entry. FILE matches a path or
 * its base name.
 */
export function parseBenchmarkSpecs(paths: string[], fieldSpecs: string[], presets: readonly string[]): BenchmarkSpec[] {
  let global: Omit<BenchmarkSpec, "path"> | undefined;
  const perFile = new Map<string, Omit<BenchmarkSpec, "path">>();
  const toSpec = (list: string): Omit<BenchmarkSpec, "path"> => {
    const items = list.split(",").map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new CurateConfigError(`--benchmark-fields: empty field list in "${list}"`);
    return items.length === 1 && presets.includes(items[0]) ? { preset: items[0] } : { fields: items };
  };
  for (const spec of fieldSpecs) {
    const eq = spec.indexOf("=");
    if (eq > 0) perFile.set(spec.slice(0, eq), toSpec(spec.slice(eq + 1)));
    else global = toSpec(spec);
  }
  for (const key of perFile.keys()) {
    if (!paths.some((p) => p === key || p.endsWith(`/${key}`)))
      throw new CurateConfigError(`--benchmark-fields names "${key}", which is not one of the --benchmarks files`);
  }
  return paths.map((path) => {
    const own = [...perFile.entries()].find(([k]) => path === k || path.endsWith(`/${k}`))?.[1];
    return { path, ...(own ?? global ?? {}) };
  });
}

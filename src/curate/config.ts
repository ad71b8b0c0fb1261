/**
 * RunConfig's `curate` section (or any loose object of the same shape) → CurateOptions, so
 * `run` and `curate` resolve options the same way. Unknown or missing keys take defaults.
 */
import { PRESET_NAMES } from "./benchmarks.js";
import { defaultCurateOptions, parseBenchmarkSpecs, type BenchmarkSpec, type CurateOptions } from "./options.js";

export interface CurateConfigInput {
  dedup?: boolean;
  decontaminate?: boolean;
  quality?: boolean;
  /** Paths, or full specs. */
  benchmarks?: (string | BenchmarkSpec)[];
  /** `--benchmark-fields` values for path entries: `[FILE=]PRESET|FIELD,FIELD`. */
  benchmarkFields?: string[];
  ngram?: number;
  nearDup?: Partial<CurateOptions["nearDup"]>;
  maxAnswerWords?: number;
  domainQuota?: Record<string, number>;
  targetPairs?: number;
  maxPerDoc?: number;
}

export function curateOptionsFromConfig(c: CurateConfigInput = {}): CurateOptions {
  const d = defaultCurateOptions;
  const entries = c.benchmarks ?? [];
  const paths = entries.filter((b): b is string => typeof b === "string");
  const specs = [...parseBenchmarkSpecs(paths, c.benchmarkFields ?? [], PRESET_NAMES), ...entries.filter((b): b is BenchmarkSpec => typeof b !== "string")];
  return {
    dedup: c.dedup ?? d.dedup,
    decontaminate: c.decontaminate ?? d.decontaminate,
    quality: c.quality ?? d.quality,
    benchmarks: specs,
    ngram: c.ngram ?? d.ngram,
    nearDup: { ...d.nearDup, ...(c.nearDup ?? {}) },
    maxAnswerWords: c.maxAnswerWords ?? d.maxAnswerWords,
    domainQuota: c.domainQuota ?? {},
    ...(c.targetPairs !== undefined ? { targetPairs: c.targetPairs } : {}),
    ...(c.maxPerDoc !== undefined ? { maxPerDoc: c.maxPerDoc } : {}),
  };
}

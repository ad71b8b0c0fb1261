/** Opens the curation gate of a run (dedup, decontamination, quality, quotas) from its config; none when all are off. */
import { join } from "node:path";
import type { RunConfig } from "../config/schema.js";
import { runPaths } from "../io/run-dir.js";
import { Curator } from "../curate/curator.js";
import { defaultCurateOptions, type CurateOptions } from "../curate/options.js";
import { shardTag, type PairGate } from "./run.js";

export function curateOptionsOf(config: RunConfig): CurateOptions {
  const c = config.curate;
  return {
    ...defaultCurateOptions,
    dedup: c.dedup,
    decontaminate: c.decontaminate && c.benchmarks.length > 0,
    benchmarks: c.benchmarks.map((path) => ({ path })),
    quality: c.quality,
    domainQuota: c.domainQuota,
    targetPairs: c.targetPairs,
    maxPerDoc: c.maxPerDoc,
    ngram: c.ngram ?? defaultCurateOptions.ngram,
    maxAnswerWords: c.maxAnswerWords ?? defaultCurateOptions.maxAnswerWords,
    nearDup: { ...defaultCurateOptions.nearDup, threshold: c.nearDupThreshold ?? defaultCurateOptions.nearDup.threshold },
  };
}

export async function openRunGate(config: RunConfig): Promise<PairGate | undefined> {
  const opts = curateOptionsOf(config);
  const any = opts.dedup || opts.decontaminate || opts.quality || Object.keys(opts.domainQuota).length > 0 || opts.maxPerDoc !== undefined;
  if (!any) return undefined;
  return Curator.open(join(runPaths(config.out).state, `curate-${shardTag(config)}`), opts);
}

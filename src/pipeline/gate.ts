/** Opens the curation gate of a run (quality, decontamination, dedup, quotas) from its config; none when all are off. */
import { join } from "node:path";
import type { RunConfig } from "../config/schema.js";
import { runPaths } from "../io/run-dir.js";
import { Curator } from "../curate/curator.js";
import { curateOptionsFromConfig } from "../curate/config.js";
import { validateCurateOptions } from "../curate/options.js";
import { shardTag, type PairGate } from "./run.js";

export async function openRunGate(config: RunConfig, tag = shardTag(config)): Promise<PairGate | undefined> {
  const opts = curateOptionsFromConfig(config.curate);
  validateCurateOptions(opts);
  const decontaminate = opts.decontaminate && opts.benchmarks.length > 0;
  const any = opts.dedup || decontaminate || opts.quality || Object.keys(opts.domainQuota).length > 0 || opts.maxPerDoc !== undefined;
  if (!any) return undefined;
  return Curator.open(join(runPaths(config.out).state, `curate-${tag}`), opts);
}

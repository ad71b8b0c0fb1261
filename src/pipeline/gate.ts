/** Opens the curation gate of a run (quality, decontamination, dedup, quotas) from its config; none when all are off. */
import { join } from "node:path";
import type { RunConfig } from "../config/schema.js";
import { runPaths } from "../io/run-dir.js";
import { Curator, type CurationMark } from "../curate/curator.js";
import { readCheckpoint } from "./checkpoint.js";
import { curateOptionsFromConfig } from "../curate/config.js";
import { validateCurateOptions } from "../curate/options.js";
import { shardTag, type PairGate } from "./run.js";

export async function openRunGate(config: RunConfig, tag = shardTag(config)): Promise<PairGate | undefined> {
  const opts = curateOptionsFromConfig(config.curate);
  validateCurateOptions(opts);
  const decontaminate = opts.decontaminate && opts.benchmarks.length > 0;
  const any = opts.dedup || decontaminate || opts.quality || Object.keys(opts.domainQuota).length > 0 || opts.maxPerDoc !== undefined;
  if (!any) return undefined;
  // From the writer's last checkpoint: pairs admitted after it are admitted again, in the same order, by the resumed run.
  const state = runPaths(config.out).state;
  const resumeAt = readCheckpoint(state, tag)?.gate as CurationMark | undefined;
  return Curator.open(join(state, `curate-${tag}`), opts, resumeAt);
}

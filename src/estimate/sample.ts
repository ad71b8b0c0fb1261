/**
 * The measured part of an estimate: the first `size` source documents, read exactly as `run`
 * reads them (readUnits: shards, the text-field check, the prefilter, windows and
 * --max-windows), and every unit the prefilter keeps taken through the plan's real stages
 * against the dry client. What comes out is per source document and per call: how many
 * units a document makes, and what each stage's calls cost in prompt and reply tokens.
 */
import type { RunConfig } from "../config/schema.js";
import { loadDemoLibrary } from "../prompts/demos.js";
import { makeProcessor, planStages } from "../stages/process-document.js";
import { readUnits } from "../pipeline/read-units.js";
import { FileProgress } from "../pipeline/file-progress.js";
import type { RemoteIO } from "../io/remote/remote-io.js";
import type { InputSpec } from "../io/sources/index.js";
import { DryClient, type DryCall } from "./dry-client.js";

/** One stage's calls in the sample, summed: divide by `calls` for the cost of a typical call. */
export interface StageSample {
  calls: number;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  completion_tokens: number;
  items: number;
}

export interface Sample {
  /** Source records read (documents, and bad lines or records, which cost no model call). */
  records: number;
  /** Units (documents or windows) the prefilter kept: each goes through the model stages. */
  units: number;
  /** Reason code → count, for what the prefilter, the windowing and the readers rejected. */
  rejected: Record<string, number>;
  /** Every stage of the plan, with zeros when the sample had no unit to take through it. */
  stages: Record<string, StageSample>;
  /** Each distinct system message's tokens, by the stage that sends it first: a prefix cache prefills it once per run, on that stage's first call. */
  system_tokens: { stage: string; tokens: number }[];
}

class CountingProgress extends FileProgress {
  records = 0;
  override record(file: string): void {
    this.records++;
    super.record(file);
  }
}

export function sumCalls(calls: DryCall[], stages: string[]): Record<string, StageSample> {
  const out: Record<string, StageSample> = Object.fromEntries(stages.map((s) => [s, { calls: 0, prompt_tokens: 0, cached_prompt_tokens: 0, completion_tokens: 0, items: 0 }]));
  for (const c of calls) {
    const s = (out[c.stage] ??= { calls: 0, prompt_tokens: 0, cached_prompt_tokens: 0, completion_tokens: 0, items: 0 });
    s.calls++;
    s.prompt_tokens += c.promptTokens;
    s.cached_prompt_tokens += c.cachedTokens;
    s.completion_tokens += c.completionTokens;
    s.items += c.items;
  }
  return out;
}

export async function takeSample(inputs: InputSpec[], config: RunConfig, size: number, io?: RemoteIO): Promise<Sample> {
  // --limit counts source records from the start, as the sample does: the smaller of the two bounds it.
  const bounded: RunConfig = { ...config, limit: Math.min(config.limit ?? Infinity, size) };
  const dry = new DryClient(config);
  const { library } = loadDemoLibrary(config.domains, config.demosDir);
  const processDocument = makeProcessor({ llm: dry, config, demos: library });
  const progress = new CountingProgress();
  const rejected: Record<string, number> = {};
  let units = 0;
  for await (const item of readUnits(inputs, bounded, new Set(), progress, io)) {
    if ("rejection" in item) {
      rejected[item.rejection.reason] = (rejected[item.rejection.reason] ?? 0) + 1;
      continue;
    }
    units++;
    dry.startUnit();
    await processDocument(item.doc);
  }
  return { records: progress.records, units, rejected, stages: sumCalls(dry.calls, planStages(config.plan)), system_tokens: [...dry.systemMessages.values()] };
}

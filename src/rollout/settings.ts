/**
 * What a rollout draws, checked before any work: the models, K samples per pair and model,
 * the sampling, and the policy prompt (export's, so a pass rate measures the prompt the
 * trainer will send). The settings that decide the pass rates are pinned in run.json: a resume
 * with other ones would mix two measurements in one output.
 */
import { createHash } from "node:crypto";
import type { PolicyPrompt } from "../export/policy-prompt.js";

export interface RolloutSettings {
  /** The models, in the order given (a record's entries follow it); at least one. */
  models: string[];
  /** K: samples per pair and model. */
  samples: number;
  temperature: number;
  maxTokens: number;
  /** Sample i of a pair is drawn with seed + i; undefined = the server's own randomness. */
  seed?: number;
  prompt: PolicyPrompt;
  /** Keep each sample's raw output in the record. */
  keepOutputs: boolean;
}

export class RolloutConfigError extends Error {}

/** The model layer's stage for one model: its counters are booked under it. */
export const stageOf = (model: string) => `rollout:${model}`;

export function validateSettings(s: RolloutSettings): void {
  const fail = (m: string): never => {
    throw new RolloutConfigError(m);
  };
  if (s.models.length === 0) fail("name at least one model with --model");
  const dup = s.models.find((m, i) => s.models.indexOf(m) !== i);
  if (dup !== undefined) fail(`--model ${dup} is given twice`);
  if (!Number.isInteger(s.samples) || s.samples < 1 || s.samples > 1024) fail(`--samples must be a whole number from 1 to 1024, got ${s.samples}`);
  if (!Number.isFinite(s.temperature) || s.temperature < 0 || s.temperature > 2) fail(`--temperature must be between 0 and 2, got ${s.temperature}`);
  if (!Number.isInteger(s.maxTokens) || s.maxTokens < 1) fail(`--max-tokens must be a whole number ≥ 1, got ${s.maxTokens}`);
  if (s.seed !== undefined && (!Number.isInteger(s.seed) || s.seed < 0)) fail(`--seed must be a whole number ≥ 0, got ${s.seed}`);
}

/** The settings a pass rate depends on, as run.json records them. */
export function pinnedRolloutSettings(s: RolloutSettings): Record<string, unknown> {
  const prompt = createHash("sha256").update(s.prompt.template).update("\u0000").update(s.prompt.systemPrompt ?? "").digest("hex").slice(0, 16);
  return { models: s.models, samples: s.samples, temperature: s.temperature, max_tokens: s.maxTokens, seed: s.seed ?? null, prompt_hash: prompt };
}

/** "samples: 8 → 16" for every pinned setting that differs. */
export function settingDifferences(was: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(now)) {
    const a = JSON.stringify(was[key] ?? null);
    const b = JSON.stringify(now[key] ?? null);
    if (a !== b) out.push(`${key}: ${a} → ${b}`);
  }
  return out;
}

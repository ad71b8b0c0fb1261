/**
 * Token and request accounting for the model layer, in the shape of `LlmStats` (src/records.ts).
 * Every figure is booked at once under the totals, the stage, the model and the endpoint, so
 * each breakdown sums to the totals.
 */
import type { LlmCounters, LlmStats } from "../records.js";

export function emptyCounters(): LlmCounters {
  return { requests: 0, retries: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
}

export function emptyLlmStats(): LlmStats {
  return { ...emptyCounters(), by_stage: {}, by_model: {}, by_endpoint: {} };
}

const FIELDS = ["requests", "retries", "errors", "prompt_tokens", "completion_tokens", "cached_prompt_tokens"] as const;
/** Response-cache counters: written only once non-zero, so stats of a run without hits keep their old shape. */
const CACHE_FIELDS = ["cache_hits", "cache_saved_prompt_tokens", "cache_saved_completion_tokens"] as const;

function addInto(target: LlmCounters, delta: Partial<LlmCounters>): void {
  for (const f of FIELDS) target[f] += delta[f] ?? 0;
  for (const f of CACHE_FIELDS) if (delta[f]) target[f] = (target[f] ?? 0) + delta[f];
}

function addMaps(a: Record<string, LlmCounters> = {}, b: Record<string, LlmCounters> = {}): Record<string, LlmCounters> {
  const out: Record<string, LlmCounters> = {};
  for (const map of [a, b]) {
    for (const [key, counters] of Object.entries(map)) addInto((out[key] ??= emptyCounters()), counters);
  }
  return out;
}

/** The sum of two stats (e.g. sessions of a resumed run). Neither argument is changed. */
export function addLlmStats(a: LlmStats, b: LlmStats): LlmStats {
  const total = emptyCounters();
  addInto(total, a);
  addInto(total, b);
  return {
    ...total,
    by_stage: addMaps(a.by_stage, b.by_stage),
    by_model: addMaps(a.by_model, b.by_model),
    by_endpoint: addMaps(a.by_endpoint, b.by_endpoint),
  };
}

/** Where a figure is booked. `endpoint` is a credential-free base URL. */
export interface CounterKeys {
  stage: string;
  model: string;
  endpoint?: string;
}

/** Somewhere a request's figures can be booked: a counter book, or a caller's own meter. */
export interface LlmMeter {
  add(keys: CounterKeys, delta: Partial<LlmCounters>): void;
}

export class LlmCounterBook implements LlmMeter {
  private readonly stats = emptyLlmStats();

  add(keys: CounterKeys, delta: Partial<LlmCounters>): void {
    addInto(this.stats, delta);
    addInto((this.stats.by_stage[keys.stage] ??= emptyCounters()), delta);
    addInto((this.stats.by_model[keys.model] ??= emptyCounters()), delta);
    if (keys.endpoint !== undefined) addInto((this.stats.by_endpoint![keys.endpoint] ??= emptyCounters()), delta);
  }

  /** A deep copy: later requests do not change it. */
  snapshot(): LlmStats {
    return addLlmStats(this.stats, emptyLlmStats());
  }
}

/**
 * Books a request's figures in the engine's own counters and, when the request carries one,
 * in the caller's meter too (see `CompleteRequest.meter`).
 */
export function bookRequest(own: LlmCounterBook, meter: LlmMeter | undefined, keys: CounterKeys, delta: Partial<LlmCounters>): void {
  own.add(keys, delta);
  meter?.add(keys, delta);
}

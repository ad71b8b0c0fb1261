/**
 * The response cache's key: a hash of everything that determines a model's reply, and
 * nothing else. Not the endpoint (a fleet of servers of one model shares entries), not the
 * stage name (two stages sending the same request get the same reply), not the API key.
 */
import { createHash } from "node:crypto";
import type { LlmConfig } from "../config/schema.js";
import type { ChatMessage, Sampling } from "./types.js";

/** Bump when the meaning of an entry changes: old entries then simply stop matching. */
export const CACHE_KEY_VERSION = 1;

export interface KeyParts {
  model: string;
  messages: ChatMessage[];
  schemaName: string;
  /** The JSON schema the reply must match (structured output and validation depend on it). */
  schema: unknown;
  temperature?: number;
  max_tokens?: number;
  seed?: number;
  /** Choices per request: the engines always ask for one. */
  n: number;
  /** Which sample of an unseeded temperature > 0 request this is (0 otherwise); see SampleCounter. */
  sample: number;
}

export function cacheKey(p: KeyParts): string {
  // A fixed field order and explicit nulls: the same request always serialises the same way.
  const canonical = JSON.stringify([
    CACHE_KEY_VERSION,
    p.model,
    p.messages.map((m) => [m.role, m.content]),
    p.schemaName,
    p.schema,
    p.temperature ?? null,
    p.max_tokens ?? null,
    p.seed ?? null,
    p.n,
    p.sample,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * The sampling a request is actually sent with: the config's per-stage or default
 * temperature / maxTokens win over the stage's own choice, as in the engines
 * (`chatRequestBody`). The key must hold what the model saw, not what the stage asked for.
 */
export function effectiveSampling(cfg: LlmConfig, stage: string, sampling: Sampling | undefined): Sampling {
  const o = stage in cfg.stages ? cfg.stages[stage]! : {};
  const d = cfg.defaults;
  return {
    temperature: o.temperature ?? d.temperature ?? sampling?.temperature,
    max_tokens: o.maxTokens ?? d.maxTokens ?? sampling?.max_tokens,
    seed: sampling?.seed,
  };
}

/**
 * A request sampled at temperature > 0 without a seed may rightly get a different reply each
 * time it is sent. Caching it under one key would turn k samples into one; instead the i-th
 * identical request of a process is sample i, so a rerun that sends the same requests gets the
 * same k replies back. Seeded or temperature-0 requests are always sample 0.
 * (The map holds one entry per distinct unseeded sampled request of the process.)
 */
export class SampleCounter {
  private readonly seen = new Map<string, number>();

  next(baseKey: string, s: Sampling): number {
    return this.take(baseKey, s, 1);
  }

  /** The first of `count` consecutive sample indices (a call that asks for several samples at once). */
  take(baseKey: string, s: Sampling, count: number): number {
    // No temperature sent means the server's default, which samples (1.0 at OpenAI).
    const samples = s.temperature === undefined || s.temperature > 0;
    if (!samples || s.seed !== undefined) return 0;
    const i = this.seen.get(baseKey) ?? 0;
    this.seen.set(baseKey, i + count);
    return i;
  }
}

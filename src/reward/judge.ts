/**
 * The LLM judge, asked only about pairs the rules left undecided. Verdicts are cached by
 * (question, ground truth forms, normalised response) in an in-memory LRU, and concurrent
 * identical questions share one in-flight call: the 16 rollouts of a prompt that give the
 * same answer cost one model call.
 */
import { z } from "zod";
import type { LlmClient } from "../llm/types.js";
import { shortHash } from "../util/hash.js";
import { Lru } from "./lru.js";

export const JudgeVerdict = z.object({ equivalent: z.boolean() });

export interface JudgeQuestion {
  question?: string;
  /** Accepted forms of the ground truth, the main one first. */
  forms: string[];
  /** The extracted final answer of the response. */
  response: string;
  /** The response normalised as by the rules; the cache key uses it. */
  normalized: string;
}

export interface JudgeAnswer {
  equivalent: boolean;
  /** Served from the cache or from another caller's in-flight call. */
  cached: boolean;
}

export interface JudgeCounters {
  calls: number;
  cache_hits: number;
  inflight_joins: number;
  errors: number;
  cache_size: number;
}

const SYSTEM =
  "You compare a response with a reference answer. Decide one thing only: does the response give an answer " +
  "equivalent to the reference answer for the question? Different wording, formatting, units or spelling of the " +
  "same value or entity are equivalent. A different value, a different entity, an answer that hedges between " +
  "several candidates, or one that is too vague to answer the question is not. Do not judge the reasoning. " +
  'Reply with JSON only: {"equivalent": true} or {"equivalent": false}.';

/** Questions longer than this are cut: the judge needs the question's gist, not a whole chat transcript. */
const MAX_QUESTION_CHARS = 4000;

export function judgeMessages(q: JudgeQuestion): Array<{ role: "system" | "user"; content: string }> {
  const lines: string[] = [];
  if (q.question && q.question.trim() !== "") lines.push(`Question: ${q.question.trim().slice(-MAX_QUESTION_CHARS)}`);
  lines.push(`Reference answer: ${q.forms[0] ?? ""}`);
  if (q.forms.length > 1) lines.push(`Also accepted: ${q.forms.slice(1, 20).join(" | ")}`);
  lines.push(`Response: ${q.response}`);
  lines.push("Is the response equivalent to the reference answer for this question?");
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: lines.join("\n") },
  ];
}

export class Judge {
  private readonly cache: Lru<string, boolean>;
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly counters = { calls: 0, cache_hits: 0, inflight_joins: 0, errors: 0 };

  constructor(
    readonly client: LlmClient,
    opts: { cacheSize?: number; maxTokens?: number } = {},
  ) {
    this.cache = new Lru(opts.cacheSize ?? 100_000);
    this.maxTokens = opts.maxTokens ?? 64;
  }
  private readonly maxTokens: number;

  static key(q: JudgeQuestion): string {
    return shortHash(q.question ?? "", q.forms.join("\u0001"), q.normalized);
  }

  async judge(q: JudgeQuestion): Promise<JudgeAnswer> {
    const key = Judge.key(q);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.counters.cache_hits++;
      return { equivalent: hit, cached: true };
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.counters.inflight_joins++;
      return { equivalent: await pending, cached: true };
    }
    const call = this.ask(q);
    this.inflight.set(key, call);
    try {
      const equivalent = await call;
      this.cache.set(key, equivalent);
      return { equivalent, cached: false };
    } finally {
      this.inflight.delete(key);
    }
  }

  private async ask(q: JudgeQuestion): Promise<boolean> {
    this.counters.calls++;
    try {
      const res = await this.client.complete({
        stage: "judge",
        messages: judgeMessages(q),
        schema: JudgeVerdict,
        schemaName: "judge_verdict",
        sampling: { temperature: 0, max_tokens: this.maxTokens },
      });
      return res.value.equivalent === true;
    } catch (err) {
      this.counters.errors++;
      throw err;
    }
  }

  counts(): JudgeCounters {
    return { ...this.counters, cache_size: this.cache.size };
  }
}

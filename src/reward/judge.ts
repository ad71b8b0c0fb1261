/**
 * The LLM judge, asked only about pairs the rules left undecided. Verdicts are cached by
 * (question, ground truth forms, normalised response) in an in-memory LRU, and concurrent
 * identical questions share one in-flight call: the 16 rollouts of a prompt that give the
 * same answer cost one model call.
 *
 * A judge that fails must never look like a real reward of 0: each failure is counted by kind
 * (auth, unreachable, invalid_reply…), the first of each kind is logged, and the judge reports
 * itself degraded until a call succeeds again (the server's /health and /stats show it).
 */
import { z } from "zod";
import { LlmError, type LlmClient } from "../llm/types.js";
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
  /** Failures by kind, e.g. { auth: 3, unreachable: 1 }. */
  errors_by_kind: Record<string, number>;
  /** The last call failed (no call has succeeded since). */
  degraded: boolean;
  last_error: { kind: JudgeErrorKind; message: string; at: string } | null;
  cache_size: number;
}

/** Why a judge call failed, in words an operator acts on. */
export type JudgeErrorKind = "auth" | "unreachable" | "timeout" | "rate_limited" | "server_error" | "rejected" | "invalid_reply" | "other";

export function judgeErrorKind(err: unknown): JudgeErrorKind {
  if (!(err instanceof LlmError)) return "other";
  const status = err.details.status;
  switch (err.code) {
    case "invalid_output":
      return "invalid_reply";
    case "timeout":
      return "timeout";
    case "context_length":
      return "rejected";
    case "refused":
      // The model layer's fatal answers: 401/403 the key, 404 an unknown model or route.
      return status === 401 || status === 403 ? "auth" : "rejected";
    case "http":
      if (status === 401 || status === 403) return "auth";
      if (status === 429) return "rate_limited";
      if (status !== undefined && status >= 500) return "server_error";
      // No status at all: the connection itself failed (refused, reset, DNS).
      return status === undefined ? "unreachable" : "rejected";
    default:
      return "other";
  }
}

/** A judge failure carrying its kind; Scorer reports it in `judge_error`. */
export class JudgeError extends Error {
  constructor(
    readonly kind: JudgeErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "JudgeError";
  }
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

export interface JudgeOptions {
  cacheSize?: number;
  maxTokens?: number;
  /** Where the first failure of each kind is reported (a CLI passes stderr). */
  log?: (line: string) => void;
}

export class Judge {
  private readonly cache: Lru<string, boolean>;
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly counters = { calls: 0, cache_hits: 0, inflight_joins: 0, errors: 0 };
  private readonly errorsByKind: Record<string, number> = {};
  private lastError: JudgeCounters["last_error"] = null;
  private degraded = false;
  private readonly maxTokens: number;
  private readonly log?: (line: string) => void;

  constructor(
    readonly client: LlmClient,
    opts: JudgeOptions = {},
  ) {
    this.cache = new Lru(opts.cacheSize ?? 100_000);
    this.maxTokens = opts.maxTokens ?? 64;
    this.log = opts.log;
  }

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
    let res;
    try {
      res = await this.client.complete({
        stage: "judge",
        messages: judgeMessages(q),
        schema: JudgeVerdict,
        schemaName: "judge_verdict",
        sampling: { temperature: 0, max_tokens: this.maxTokens },
      });
    } catch (err) {
      throw this.failed(err);
    }
    this.degraded = false;
    return res.value.equivalent === true;
  }

  /** Counts a failure by kind and logs the first of each kind; returns the error to throw. */
  private failed(err: unknown): JudgeError {
    const kind = judgeErrorKind(err);
    const message = err instanceof Error ? err.message : String(err);
    this.counters.errors++;
    const seen = this.errorsByKind[kind] ?? 0;
    this.errorsByKind[kind] = seen + 1;
    this.lastError = { kind, message, at: new Date().toISOString() };
    this.degraded = true;
    if (seen === 0) this.log?.(`judge ${kind} error: ${message} (no reward is given for these items; further ${kind} errors are counted in /stats, not logged)`);
    return new JudgeError(kind, message);
  }

  /** True while the last judge call failed. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  counts(): JudgeCounters {
    return { ...this.counters, errors_by_kind: { ...this.errorsByKind }, degraded: this.degraded, last_error: this.lastError, cache_size: this.cache.size };
  }
}

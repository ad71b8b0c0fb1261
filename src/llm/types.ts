/**
 * The model layer's contract. Stages call `LlmClient.complete`; engines (OpenAI-compatible
 * HTTP, local llama.cpp, Batch API) implement it. Nothing outside src/llm talks to a model.
 */
import type { z } from "zod";
import type { LlmStats } from "../records.js";
import type { LlmMeter } from "./counters.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Sampling {
  temperature?: number;
  max_tokens?: number;
  seed?: number;
}

export interface CompleteRequest<S extends z.ZodType> {
  /** Stage name: selects the stage's model settings and the counters it is booked under. */
  stage: string;
  messages: ChatMessage[];
  /** The zod schema the reply must satisfy; sent as JSON schema where the engine supports it. */
  schema: S;
  /** Short identifier for the schema (sent as json_schema.name), e.g. "filter_verdict". */
  schemaName: string;
  sampling?: Sampling;
  signal?: AbortSignal;
  /**
   * Ends the request only while it waits for its turn (a concurrency permit, the rpm pacer, a
   * retry's backoff): once sent, it runs on until `signal`. A stopping run sends nothing new.
   */
  waitSignal?: AbortSignal;
  /**
   * Also book this request's figures here (requests, retries, errors, tokens), besides the
   * client's own counters: a caller that shares a client with others (one queue chunk of
   * several in a worker) counts its own requests this way. See `meteredView`.
   */
  meter?: LlmMeter;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_prompt_tokens: number;
}

export interface CompleteResult<T> {
  value: T;
  usage: Usage;
  /** The reply text as the model wrote it (before repair). */
  raw: string;
  /** The model name that answered. */
  model: string;
  /** Set when the reply came from the response cache, not a model (`usage` is then what it cost when made). */
  cached?: boolean;
}

/**
 * K samples of one prompt as plain text (a policy's rollouts): no schema, no repair. With a
 * seed, sample i is drawn with seed + i, however the engine splits the draws into requests,
 * so one request with `n` and K separate requests ask for the same samples.
 */
export interface SampleRequest {
  /** Selects the stage's model settings and the counters it is booked under. */
  stage: string;
  messages: ChatMessage[];
  /** How many samples (K). */
  n: number;
  sampling?: Sampling;
  signal?: AbortSignal;
  /** As CompleteRequest.waitSignal. */
  waitSignal?: AbortSignal;
  /** Also book this call's figures here (as CompleteRequest.meter). */
  meter?: LlmMeter;
}

export interface TextSample {
  text: string;
  /** The server stopped it at max_tokens. */
  truncated: boolean;
}

export interface SampleResult {
  /** In draw order: samples[i] was drawn with seed + i. */
  samples: TextSample[];
  usage: Usage;
  model: string;
  /** HTTP requests that answered (1 with `n`, K without; retries not counted). */
  requests: number;
}

export interface LlmClient {
  complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>>;
  /** K plain-text samples of one prompt, with the server's `n` where it has it. */
  sample(req: SampleRequest): Promise<SampleResult>;
  /** Counters since the client was made. */
  stats(): LlmStats;
  /** Model name configured for a stage (for QaRecord.models). */
  modelFor(stage: string): string;
  /** How many requests this engine wants in flight at most (the orchestrator sizes its window from it). */
  readonly maxConcurrency: number;
  /** Requests in flight now and the current cap on them, for the progress display (engines that know). */
  load?(): { inFlight: number; limit: number };
  close(): Promise<void>;
}

export type LlmErrorCode =
  | "context_length" // the prompt does not fit the model's context: reject this document only
  | "invalid_output" // the reply did not validate, even after repair and one corrective retry
  | "http" // a non-retryable HTTP error, or retries exhausted
  | "timeout" // retries exhausted on timeouts
  | "aborted"
  | "refused" // 401/403/404: bad key, no access, unknown model; every request would get the same answer, so the run stops at once
  | "config"; // a configuration problem (bad URL, missing model): stops the run before work

export class LlmError extends Error {
  constructor(
    readonly code: LlmErrorCode,
    message: string,
    readonly details: { stage?: string; status?: number; raw?: string; model?: string } = {},
  ) {
    super(message);
    this.name = "LlmError";
  }
}

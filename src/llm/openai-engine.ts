/**
 * The OpenAI-compatible engine: any server speaking /v1/chat/completions (vLLM, SGLang,
 * llama.cpp server, Ollama, OpenAI, hosted APIs). Structured output with a prompt-embedded
 * fallback, tolerant parsing and one corrective retry, counted retries with backoff, an
 * in-flight cap, an rpm pacer, and load spreading over several base URLs per stage. Plain-text
 * samples (`sample`) go through the same transport, with `n` where the server has it.
 */
import OpenAI from "openai";
import type { z } from "zod";
import type { LlmConfig, ModelSettings } from "../config/schema.js";
import { redactUrl, redactUrlsIn } from "../config/redact.js";
import type { LlmStats } from "../records.js";
import { bookRequest, LlmCounterBook, type LlmMeter } from "./counters.js";
import { DEFAULT_EJECTION, Endpoint, EndpointPool, endpointKey, type EjectionOptions } from "./endpoint-pool.js";
import { createLimiter, RpmPacer, sleep, type Limiter } from "./limiter.js";
import type { RequestPermits } from "./shared-rate-limit.js";
import { backoffDelay, classifyFailure, DEFAULT_BACKOFF, type BackoffOptions, type Failure } from "./retry.js";
import { stagePriority } from "./wait-queue.js";
import { chatRequestBody, correctionMessages, jsonSchemaOf, parseReply, uncorrectableReply } from "./structured.js";
import { choicesOf, drawSamples, sampleRequestBody } from "./samples.js";
import { serverProblem } from "./server-problem.js";
import { LlmError, type ChatMessage, type CompleteRequest, type CompleteResult, type LlmClient, type SampleRequest, type SampleResult, type TextSample, type Usage } from "./types.js";

/** Placeholder key for local servers that want none (the SDK insists on one). */
export const PLACEHOLDER_API_KEY = "EMPTY";

const RETRY_LOG_EVERY_MS = 10_000;

/** Where a request failed, in words: "HTTP 503 from URL", "timeout at URL", "connection refused at URL". */
export function failureAt(f: Failure, endpoint: string): string {
  if (f.status !== undefined) return `HTTP ${f.status} from ${endpoint}`;
  if (f.timeout) return `timeout at ${endpoint}`;
  return `${f.message} at ${endpoint}`;
}

/** Where a stage's requests go: its base URLs, key and model (undefined: the server's only one). */
export interface StageConnection {
  label: string;
  baseUrls: string[];
  apiKey: string;
  model?: string;
}

/** A stage's (or, for `undefined`, the defaults') connection: its overrides, else the defaults, else the environment. */
export function stageConnection(cfg: LlmConfig, stage: string | undefined, env: NodeJS.ProcessEnv = process.env): StageConnection {
  const d = cfg.defaults;
  const o: Partial<ModelSettings> = stage === undefined ? {} : (cfg.stages[stage] ?? {});
  const label = stage === undefined ? "the default model settings" : `stage "${stage}"`;
  // A stage's overrides come through zod's .partial() with defaults filled in, so an empty
  // base URL list means "not overridden".
  let baseUrls = o.baseUrl && o.baseUrl.length > 0 ? o.baseUrl : d.baseUrl;
  if (baseUrls.length === 0 && env.OPENAI_BASE_URL) baseUrls = [env.OPENAI_BASE_URL];
  if (baseUrls.length === 0) throw new LlmError("config", `no model endpoint for ${label}: pass --base-url or set OPENAI_BASE_URL`, { stage });
  // An empty key (OPENAI_API_KEY= in a script) means none, as for the SDK.
  const apiKey = o.apiKey || d.apiKey || env.OPENAI_API_KEY || PLACEHOLDER_API_KEY;
  return { label, baseUrls, apiKey, model: o.model ?? d.model };
}

/** A base URL the SDK can use, or a config error saying what is wrong with it. */
export function checkBaseUrl(baseUrl: string, label: string): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new LlmError("config", `the base URL "${redactUrl(baseUrl)}" for ${label} is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.username || url.password) {
    // fetch refuses such URLs; the key belongs in --api-key / OPENAI_API_KEY.
    throw new LlmError("config", `the base URL "${endpointKey(baseUrl)}" for ${label} contains credentials: remove them and pass the key with --api-key or OPENAI_API_KEY`);
  }
}

/**
 * The SDK client for one base URL. A query string in the base URL (`?api-key=…` for some
 * gateways) is sent with every request: the SDK would otherwise append paths after it.
 */
export function openAIClientFor(baseUrl: string, apiKey: string, timeoutMs: number): OpenAI {
  const url = new URL(baseUrl);
  const defaultQuery = url.search ? Object.fromEntries(url.searchParams) : undefined;
  url.search = "";
  url.hash = "";
  return new OpenAI({ baseURL: url.toString().replace(/\/+$/, ""), apiKey, defaultQuery, maxRetries: 0, timeout: timeoutMs, fetch: fetchKeepingErrorBodies });
}

/**
 * fetch, with error bodies in the shape the SDK reads. vLLM and others answer
 * `{"object":"error","message":"The model `x` does not exist.",…}` without OpenAI's `error`
 * wrapper, and the SDK would then report "404 status code (no body)": the server's own words
 * are what the user needs.
 */
async function fetchKeepingErrorBodies(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  if (res.ok) return res;
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const bare = body !== null && typeof body === "object" && !("error" in body) && typeof (body as { message?: unknown }).message === "string";
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(bare ? JSON.stringify({ error: body }) : text, { status: res.status, statusText: res.statusText, headers });
}

export interface OpenAIEngineOptions {
  log?: (msg: string) => void;
  /** Backoff between retries (tests shorten it). */
  backoff?: BackoffOptions;
  /** When an endpoint of a multi-endpoint stage is ejected, and for how long. */
  ejection?: EjectionOptions;
  /** A rate limit shared with other processes (the queue's global --rpm); one permit per HTTP request. */
  permits?: RequestPermits;
}

interface StageSettings {
  model: string;
  pool: EndpointPool<OpenAI>;
  temperature?: number;
  maxTokens?: number;
  structured: ModelSettings["structured"];
}

type StageInput = Partial<ModelSettings>;

/** One `complete` or `sample` call across its requests: what its counters and retries need. */
interface CallState {
  stage: string;
  model: string;
  /** The caller's own meter, booked besides the engine's counters (CompleteRequest.meter). */
  meter?: LlmMeter;
  /** Requests sent so far (every one after the first is a retry). */
  sent: number;
  transportRetries: number;
  /** The endpoint of the last failure, avoided by the next attempt. */
  avoid?: Endpoint<OpenAI>;
  lastKey?: string;
}

interface ExchangeOptions {
  /** The request body, built per attempt for the endpoint it goes to. */
  body: (ep: Endpoint<OpenAI>) => OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
  signal?: AbortSignal;
  /** Ends the request while it waits for its turn, not once sent (CompleteRequest.waitSignal). */
  waitSignal?: AbortSignal;
  /**
   * Sequences the request runs on the server (the limiter counts them; default 1), asked per
   * attempt: a request that would have asked for K samples goes out as one once `n` is refused.
   */
  weight?: () => number;
  /** The server refused a feature the body used: true = adapt (remembered by the caller) and send again. */
  refused?: (f: Failure, ep: Endpoint<OpenAI>) => boolean;
}

export async function createOpenAIClient(cfg: LlmConfig, opts: OpenAIEngineOptions = {}): Promise<LlmClient> {
  const engine = new OpenAIEngine(cfg, opts);
  await engine.init();
  return engine;
}

class OpenAIEngine implements LlmClient {
  readonly maxConcurrency: number;
  private readonly counters = new LlmCounterBook();
  private readonly limiter: Limiter;
  private readonly pacer?: RpmPacer;
  private readonly backoff: BackoffOptions;
  private readonly ejection: EjectionOptions;
  private readonly secrets: string[];
  /** One Endpoint per (base URL, key), shared by every stage that uses it: in-flight counts are global. */
  private readonly endpoints = new Map<string, Endpoint<OpenAI>>();
  private readonly settings = new Map<string, StageSettings>();
  private readonly discovered = new Map<string, string>();
  /** endpoint|model pairs that refused response_format: they get prompt-embedded schemas. */
  private readonly promptOnly = new Set<string>();
  /** endpoint|model pairs that refuse or ignore `n`: one sample per request there. */
  private readonly noN = new Set<string>();
  /** Per endpoint: when a retry was last logged, and how many went unlogged since (a server down for a minute is a few lines, not hundreds). */
  private readonly retryNotes = new Map<string, { at: number; quiet: number }>();
  private closed = false;

  constructor(
    private readonly cfg: LlmConfig,
    private readonly opts: OpenAIEngineOptions,
  ) {
    this.limiter = createLimiter(cfg.concurrency);
    this.maxConcurrency = this.limiter.maxLimit ?? this.limiter.limit;
    if (cfg.rpm > 0) this.pacer = new RpmPacer(cfg.rpm);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.ejection = opts.ejection ?? DEFAULT_EJECTION;
    this.secrets = [cfg.defaults.apiKey, ...Object.values(cfg.stages).map((s) => s.apiKey), process.env.OPENAI_API_KEY].filter(
      (k): k is string => typeof k === "string" && k.length >= 4 && k !== PLACEHOLDER_API_KEY,
    );
  }

  /** Resolves every configured stage up front, so a configuration problem stops the run before work. */
  async init(): Promise<void> {
    const stages = Object.keys(this.cfg.stages);
    // Without a default base URL, only the stages that name their own endpoint can work.
    const defaultsUsable = this.cfg.defaults.baseUrl.length > 0 || !!process.env.OPENAI_BASE_URL || stages.length === 0;
    if (defaultsUsable) await this.resolve(undefined);
    for (const stage of stages) await this.resolve(stage);
  }

  modelFor(stage: string): string {
    return this.settingsFor(stage).model;
  }

  stats(): LlmStats {
    return this.counters.snapshot();
  }

  load(): { inFlight: number; limit: number } {
    return { inFlight: this.limiter.active, limit: this.limiter.limit };
  }

  private noteRetry(endpoint: string, line: string): void {
    const now = Date.now();
    const note = this.retryNotes.get(endpoint);
    if (note && now - note.at < RETRY_LOG_EVERY_MS) {
      note.quiet++;
      return;
    }
    const more = note?.quiet ? ` (${note.quiet} more retries on this server since the last line)` : "";
    this.opts.log?.(this.scrub(line + more));
    this.retryNotes.set(endpoint, { at: now, quiet: 0 });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
    if (this.closed) throw new LlmError("aborted", "the model client is closed", { stage: req.stage });
    const s = this.settingsFor(req.stage);
    const jsonSchema = jsonSchemaOf(req.schema);
    const call = this.newCall(req.stage, s, req.meter);
    let correction: ChatMessage[] = [];
    const modeOf = (ep: Endpoint<OpenAI>) => (s.structured === "prompt" || this.promptOnly.has(`${ep.key}|${s.model}`) ? "prompt" : "json_schema");
    // The mode the last attempt was sent in: another call may have switched the endpoint to
    // "prompt" since, and this call's refusal must still be handled (resent), not failed.
    let sentMode: ReturnType<typeof modeOf> = "json_schema";
    return this.booked(call, async () => {
      for (;;) {
        const completion = await this.exchange(s, call, {
          body: (ep) => chatRequestBody(s, req, jsonSchema, (sentMode = modeOf(ep)), correction),
          signal: req.signal,
          waitSignal: req.waitSignal,
          // A server that refuses response_format gets the schema in the prompt from now on.
          refused: (f, ep) => {
            if (f.kind !== "response_format" || sentMode !== "json_schema") return false;
            const key = `${ep.key}|${s.model}`;
            if (!this.promptOnly.has(key)) this.opts.log?.(this.scrub(`llm: ${ep.key} (${s.model}) refuses response_format; embedding the schema in the prompt from now on`));
            this.promptOnly.add(key);
            return true;
          },
        });
        const usage = usageOf(completion);
        const raw = completion.choices?.[0]?.message?.content ?? "";
        const parsed = parseReply(raw, req.schema, completion?.choices?.[0]?.finish_reason === "length");
        if (parsed.ok) return { value: parsed.value, usage, raw, model: completion.model || s.model };
        if (correction.length === 0) {
          // One corrective turn: the model sees its own reply and what was wrong with it.
          correction = correctionMessages(raw, parsed.errors, req.schemaName);
          this.opts.log?.(`llm: ${req.stage}: reply did not validate (${parsed.errors}); asking once more`);
          continue;
        }
        throw uncorrectableReply(req, parsed.errors, raw, s.model);
      }
    });
  }

  async sample(req: SampleRequest): Promise<SampleResult> {
    if (this.closed) throw new LlmError("aborted", "the model client is closed", { stage: req.stage });
    const s = this.settingsFor(req.stage);
    const call = this.newCall(req.stage, s, req.meter);
    const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
    let model = s.model;
    let answered = 0;
    const withN = (ep: Endpoint<OpenAI>) => !this.noN.has(`${ep.key}|${s.model}`);
    const ask = async (first: number, count: number): Promise<TextSample[]> => {
      let asked = 1;
      // Each request (with `n`, or one of K singles) counts its own retries.
      const one = this.newCall(req.stage, s, req.meter);
      const completion = await this.exchange(s, one, {
        body: (ep) => sampleRequestBody(s, req, (asked = count > 1 && withN(ep) ? count : 1), first),
        signal: req.signal,
        waitSignal: req.waitSignal,
        weight: () => (count > 1 && s.pool.endpoints.some(withN) ? count : 1),
        // A server without `n` may refuse it (HTTP 400/422): draw one sample per request there.
        // Should the 400 be about something else, the single request meets it too and fails.
        refused: (f, ep) => {
          if (asked < 2 || f.status === undefined || (f.status !== 400 && f.status !== 422) || f.kind === "context_length") return false;
          this.markNoN(ep.key, s.model, `refuses n (HTTP ${f.status}: ${f.message})`);
          return true;
        },
      }).finally(() => (call.lastKey = one.lastKey ?? call.lastKey));
      const u = usageOf(completion);
      usage.prompt_tokens += u.prompt_tokens;
      usage.completion_tokens += u.completion_tokens;
      usage.cached_prompt_tokens += u.cached_prompt_tokens;
      model = completion.model || model;
      answered++;
      const got = choicesOf(completion);
      if (got.length === 0) throw new LlmError("http", `${req.stage}: the server's reply holds no choices`, { stage: req.stage, model: s.model });
      // Some servers (llama.cpp, Ollama) ignore `n` and answer one choice.
      if (asked > 1 && got.length < asked) this.markNoN(one.lastKey ?? "", s.model, `answered ${got.length} of n=${asked} choices`);
      return got.slice(0, count);
    };
    return this.booked(call, async () => {
      const samples = await drawSamples(req.n, ask, () => s.pool.endpoints.some(withN));
      return { samples, usage, model, requests: answered };
    });
  }

  /** Remembers an endpoint + model that does not draw several samples per request, and says so once. */
  private markNoN(endpoint: string, model: string, why: string): void {
    const key = `${endpoint}|${model}`;
    if (this.noN.has(key)) return;
    this.noN.add(key);
    this.opts.log?.(this.scrub(`llm: ${endpoint} (${model}) ${why}; drawing one sample per request there from now on`));
  }

  private newCall(stage: string, s: StageSettings, meter?: LlmMeter): CallState {
    return { stage, model: s.model, meter, sent: 0, transportRetries: 0 };
  }

  /** Runs a call; an LlmError it ends in is counted once (aborts are not errors). */
  private async booked<T>(call: CallState, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof LlmError && err.code !== "aborted") bookRequest(this.counters, call.meter, { stage: call.stage, model: call.model, endpoint: call.lastKey }, { errors: 1 });
      throw err;
    }
  }

  /**
   * Sends one chat request until it is answered: through the limiter, the rpm pacer and shared
   * permits, to the endpoint with the fewest in flight, with counted retries (another endpoint
   * when there is one) and the caller's handling of a refused feature. Throws LlmError.
   */
  private async exchange(s: StageSettings, call: CallState, x: ExchangeOptions): Promise<OpenAI.Chat.ChatCompletion> {
    const book = (delta: Parameters<LlmCounterBook["add"]>[1]) => bookRequest(this.counters, call.meter, { stage: call.stage, model: s.model, endpoint: call.lastKey }, delta);
    // Waiting (for a permit, the pacer, a backoff) also ends with waitSignal; a sent request only with signal.
    const waiting = x.waitSignal ? (x.signal ? AbortSignal.any([x.signal, x.waitSignal]) : x.waitSignal) : x.signal;
    const aborted = () => new LlmError("aborted", "request aborted", { stage: call.stage });
    for (;;) {
      if (waiting?.aborted) throw aborted();
      const weight = x.weight?.() ?? 1;
      const release = await this.limiter.acquire(waiting, stagePriority(call.stage), weight);
      // `n` was refused while this request waited: it now runs one sequence, and holding the room
      // of K would leave the server idle (every pair queued before the refusal would do so).
      if (weight > 1 && (x.weight?.() ?? 1) < weight) {
        release();
        continue;
      }
      let ep: Endpoint<OpenAI>;
      let outcome: Awaited<ReturnType<OpenAIEngine["send"]>>;
      try {
        if (this.pacer) await this.pacer.take(waiting);
        if (this.opts.permits) await this.opts.permits.take(waiting);
        if (waiting?.aborted) throw aborted();
        ep = s.pool.pick(call.avoid);
        call.lastKey = ep.key;
        const body = x.body(ep);
        book({ requests: 1, retries: call.sent > 0 ? 1 : 0 });
        call.sent++;
        let endpointFailed = false;
        const sentAt = Date.now();
        try {
          outcome = await this.send(ep, body, x.signal);
          endpointFailed = !outcome.ok && outcome.failure.kind === "retryable";
        } finally {
          s.pool.release(ep, endpointFailed); // also on abort, or in-flight counts would leak
        }
        const overloaded = !outcome.ok && (outcome.failure.status === 429 || outcome.failure.status === 503);
        const tokens = outcome.ok ? outcome.completion.usage?.completion_tokens : undefined;
        this.limiter.onResult?.(outcome.ok ? "ok" : overloaded ? "overloaded" : "failed", {
          latencyMs: Date.now() - sentAt,
          // Per sequence: K samples decode side by side, so a K-sample reply takes about as long as one.
          completionTokens: tokens === undefined ? undefined : tokens / weight,
          sequences: weight,
        });
      } finally {
        release();
      }

      if (outcome.ok) {
        const usage = usageOf(outcome.completion);
        book({ prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, cached_prompt_tokens: usage.cached_prompt_tokens });
        return outcome.completion;
      }
      const f = outcome.failure;
      const where = `${call.stage}: ${failureAt(f, ep.key)}`;
      if (f.kind === "refused") {
        // A bad key, no access or an unknown model: every request would get the same answer.
        throw new LlmError("refused", this.scrub(`${where}: ${f.message}`), { stage: call.stage, status: f.status, model: s.model });
      }
      if (f.kind === "context_length") {
        throw new LlmError("context_length", this.scrub(`${where}: ${f.message}`), { stage: call.stage, status: f.status, model: s.model });
      }
      if (x.refused?.(f, ep)) continue;
      if (f.kind === "retryable" && call.transportRetries < this.cfg.maxRetries) {
        const delay = backoffDelay(call.transportRetries, this.backoff, f.retryAfterMs);
        call.transportRetries++;
        call.avoid = ep;
        this.noteRetry(ep.key, `llm: ${where}${f.status !== undefined || f.timeout ? `: ${f.message}` : ""}; retry ${call.transportRetries}/${this.cfg.maxRetries} in ${delay} ms`);
        await sleep(delay, waiting);
        continue;
      }
      const tries = call.sent > 1 ? ` (after ${call.sent} requests)` : "";
      const detail = f.status !== undefined ? `: ${f.message}` : "";
      throw new LlmError(f.timeout ? "timeout" : "http", this.scrub(`${where}${tries}${detail}`), { stage: call.stage, status: f.status, model: s.model });
    }
  }

  /** One HTTP attempt with its own timeout; failures come back classified, aborts are thrown. */
  private async send(
    ep: Endpoint<OpenAI>,
    body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: true; completion: OpenAI.Chat.ChatCompletion } | { ok: false; failure: Failure }> {
    const ctrl = new AbortController();
    let timedOut = false;
    // Our own timer covers the whole exchange, body included (a server can stall mid-body).
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, this.cfg.timeoutMs);
    const onAbort = () => ctrl.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const completion = await ep.client.chat.completions.create(body, {
        signal: ctrl.signal,
        timeout: this.cfg.timeoutMs + 1000,
        maxRetries: 0,
      });
      return { ok: true, completion };
    } catch (err) {
      if (signal?.aborted) throw new LlmError("aborted", "request aborted");
      return { ok: false, failure: classifyFailure(err, timedOut) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  private settingsFor(stage: string): StageSettings {
    const s = this.settings.get(stage in this.cfg.stages ? stage : "");
    if (s) return s;
    throw new LlmError(
      "config",
      `no model endpoint for stage "${stage}": pass --base-url or set OPENAI_BASE_URL (or give the stage its own base URL)`,
      { stage },
    );
  }

  /** Merges defaults and a stage's overrides, builds its endpoint pool and finds its model. */
  private async resolve(stage: string | undefined): Promise<void> {
    const d = this.cfg.defaults;
    const o: StageInput = stage === undefined ? {} : (this.cfg.stages[stage] ?? {});
    const conn = stageConnection(this.cfg, stage);
    const endpoints = conn.baseUrls.map((url) => this.endpoint(url, conn.apiKey, conn.label));
    const pool = new EndpointPool(endpoints, this.ejection, this.opts.log);
    const model = conn.model ?? (await this.discoverModel(endpoints[0], conn.label));
    this.settings.set(stage ?? "", {
      model,
      pool,
      temperature: o.temperature ?? d.temperature,
      maxTokens: o.maxTokens ?? d.maxTokens,
      structured: o.structured && o.structured !== "auto" ? o.structured : d.structured,
    });
  }

  private endpoint(baseUrl: string, apiKey: string, label: string): Endpoint<OpenAI> {
    checkBaseUrl(baseUrl, label);
    const id = `${baseUrl}\u0000${apiKey}`;
    let ep = this.endpoints.get(id);
    if (!ep) {
      const client = openAIClientFor(baseUrl, apiKey, this.cfg.timeoutMs + 1000);
      ep = new Endpoint(endpointKey(baseUrl), baseUrl, client);
      this.endpoints.set(id, ep);
    }
    return ep;
  }

  /** No model configured: use the one model the server serves (vLLM serves exactly one). */
  private async discoverModel(ep: Endpoint<OpenAI>, label: string): Promise<string> {
    const known = this.discovered.get(ep.key);
    if (known) return known;
    let ids: string[];
    try {
      const page = await ep.client.models.list({ timeout: Math.min(this.cfg.timeoutMs, 30_000), maxRetries: 1 });
      ids = page.data.map((m) => m.id);
    } catch (err) {
      // A bad key or an unreachable server is not fixed by --model: say what is wrong.
      throw new LlmError("config", this.scrub(serverProblem(classifyFailure(err, false), ep.key, "listing its models")));
    }
    if (ids.length !== 1) {
      const which = ids.length === 0 ? "no models" : `${ids.length} models (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""})`;
      throw new LlmError("config", this.scrub(`no model set for ${label} and ${ep.key} serves ${which}: pass --model to choose one`));
    }
    this.discovered.set(ep.key, ids[0]);
    this.opts.log?.(`llm: using model ${ids[0]} served by ${ep.key}`);
    return ids[0];
  }

  /** Removes API keys (configured ones, and anything shaped like one) from text bound for users. */
  private scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("***");
    return redactUrlsIn(out.replace(/\bsk-[A-Za-z0-9_*\-]{6,}/g, "sk-***").replace(/\/\/[^/@\s]+@/g, "//***@"));
  }
}

function usageOf(completion: OpenAI.Chat.ChatCompletion): Usage {
  const u = completion.usage;
  return {
    prompt_tokens: u?.prompt_tokens ?? 0,
    completion_tokens: u?.completion_tokens ?? 0,
    cached_prompt_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

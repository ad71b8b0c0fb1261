/**
 * The Batch API engine (`--engine batch`): stage requests are collected into JSONL files,
 * uploaded (`POST /files`), submitted (`POST /batches`, 24 h window), polled, and their
 * output files matched back to the waiting `complete()` calls by custom_id. Half price on
 * OpenAI, at the cost of latency: the orchestrator keeps thousands of documents waiting.
 *
 * Replies go through the same tolerant parser, zod validation, corrective retry and
 * response_format fallback as the HTTP engine. Every submitted batch is recorded in the
 * run's state/ (batch-store.ts) and custom_ids are hashes of the request, so a killed run
 * re-attaches to its in-flight batches instead of submitting (and paying for) them again.
 */
import OpenAI, { APIError, toFile } from "openai";
import type { z } from "zod";
import type { LlmConfig, ModelSettings } from "../config/schema.js";
import { scrubSecrets } from "../config/redact.js";
import type { LlmStats } from "../records.js";
import { bookRequest, emptyCounters, LlmCounterBook, type LlmMeter } from "./counters.js";
import { endpointKey } from "./endpoint-pool.js";
import { sleep } from "./limiter.js";
import { createOpenAIClient, PLACEHOLDER_API_KEY } from "./openai-engine.js";
import { backoffDelay, classifyFailure, DEFAULT_BACKOFF, type BackoffOptions, type Failure } from "./retry.js";
import { chatRequestBody, correctionMessages, jsonSchemaOf, parseReply, uncorrectableReply } from "./structured.js";
import { choicesOf, drawSamples, sampleRequestBody } from "./samples.js";
import { LlmError, type ChatMessage, type CompleteRequest, type CompleteResult, type LlmClient, type SampleRequest, type SampleResult, type TextSample, type Usage } from "./types.js";
import { BatchStore, TERMINAL_STATUSES, type BatchRecord } from "./batch-store.js";
import {
  BATCH_URL,
  customIdOf,
  inputLine,
  lostResult,
  MAX_BYTES_PER_FILE,
  MAX_REQUESTS_PER_FILE,
  parseResults,
  splitIntoFiles,
  type ResultLine,
} from "./batch-files.js";

export interface BatchEngineOptions {
  /** The run's state/ folder: submitted batches and downloaded results live here. */
  stateDir: string;
  /** Names the state files, so shards sharing an output folder keep their own (default "main"). */
  stateName?: string;
  log?: (msg: string) => void;
  /** How often in-flight batches are polled (default 30 s; env WEBSCALE_RL_BATCH_POLL_SECONDS). */
  pollIntervalMs?: number;
  /** How long requests gather before they are submitted (default 30 s; env WEBSCALE_RL_BATCH_FLUSH_SECONDS). */
  flushIntervalMs?: number;
  /** Requests per input file (default and maximum on OpenAI 50,000; env WEBSCALE_RL_BATCH_MAX_REQUESTS). */
  maxRequestsPerFile?: number;
  /** Bytes per input file (default 200 MB, OpenAI's limit; env WEBSCALE_RL_BATCH_MAX_MB). */
  maxBytesPerFile?: number;
  /** Requests the orchestrator may keep waiting (default max(2000, --concurrency); env WEBSCALE_RL_BATCH_CONCURRENCY). */
  maxConcurrency?: number;
  /** How often a request lost in a failed/expired batch is resubmitted (default 2; env WEBSCALE_RL_BATCH_RESUBMITS). */
  maxResubmits?: number;
  /** Requests of finished batches whose results stay on disk for a resumed run (default 200,000). */
  retainRequests?: number;
  /** Backoff between retries of file uploads and batch creation. */
  backoff?: BackoffOptions;
  env?: NodeJS.ProcessEnv;
}

interface Waiter {
  resolve: (line: ResultLine) => void;
  reject: (err: LlmError) => void;
}

/** A distinct request (by custom_id), queued or inside a batch, with everyone awaiting it. */
interface Entry {
  id: string;
  queue: Queue;
  text: string;
  waiters: Set<Waiter>;
  batchId?: string;
}

/** One (base URL, key) pair: its pending requests and batch counts. */
interface Queue {
  key: string;
  client: OpenAI;
  pending: Entry[];
  pendingBytes: number;
  timer?: NodeJS.Timeout;
  chain: Promise<void>;
  counts: { submitted: number; completed: number; failed: number; resubmitted: number };
}

interface LiveBatch {
  rec: BatchRecord;
  queue?: Queue;
  waiting: Map<string, Entry>;
  /** Result lines not yet handed out (loaded once the batch finished). */
  results?: Map<string, ResultLine>;
  since: number;
}

interface StageSettings {
  model: string;
  queue: Queue;
  temperature?: number;
  maxTokens?: number;
  structured: ModelSettings["structured"];
}

/** A lost request's error codes that a resubmission can cure. */
const LOST_CODES = new Set(["batch_expired", "batch_cancelled", "batch_failed", "missing_result"]);

export async function createBatchClient(cfg: LlmConfig, opts: BatchEngineOptions): Promise<LlmClient> {
  const engine = new BatchEngine(cfg, opts);
  await engine.init();
  return engine;
}

class BatchEngine implements LlmClient {
  readonly maxConcurrency: number;
  private readonly counters = new LlmCounterBook();
  private readonly store: BatchStore;
  private readonly log: (msg: string) => void;
  private readonly pollMs: number;
  private readonly flushMs: number;
  private readonly maxRequests: number;
  private readonly maxBytes: number;
  private readonly maxResubmits: number;
  private readonly retain: number;
  private readonly backoff: BackoffOptions;
  private readonly secrets: string[];
  /** Resolves models and validates the config exactly as the HTTP engine does (its clients are never used to chat). */
  private resolver?: LlmClient;
  private readonly queues = new Map<string, Queue>();
  private readonly settings = new Map<string, StageSettings>();
  private readonly promptOnly = new Set<string>();
  /** endpoint|model pairs that refuse or ignore `n`. */
  private readonly noN = new Set<string>();
  /** Requests queued or in a batch, by custom_id. */
  private readonly entries = new Map<string, Entry>();
  /** Batches not yet retired, oldest first. */
  private readonly live = new Map<string, LiveBatch>();
  /** custom_id → the newest batch that holds it (including batches of earlier runs). */
  private readonly owner = new Map<string, string>();
  private pollTimer?: NodeJS.Timeout;
  private polling = false;
  private closed = false;

  constructor(
    private readonly cfg: LlmConfig,
    opts: BatchEngineOptions,
  ) {
    const env = opts.env ?? process.env;
    const fromEnv = (name: string, scale: number): number | undefined => {
      const v = env[name];
      if (v === undefined || v.trim() === "") return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new LlmError("config", `${name} must be a positive number (got "${v}")`);
      return Math.round(n * scale);
    };
    this.log = opts.log ?? (() => {});
    this.pollMs = opts.pollIntervalMs ?? fromEnv("WEBSCALE_RL_BATCH_POLL_SECONDS", 1000) ?? 30_000;
    this.flushMs = opts.flushIntervalMs ?? fromEnv("WEBSCALE_RL_BATCH_FLUSH_SECONDS", 1000) ?? 30_000;
    this.maxRequests = opts.maxRequestsPerFile ?? fromEnv("WEBSCALE_RL_BATCH_MAX_REQUESTS", 1) ?? MAX_REQUESTS_PER_FILE;
    this.maxBytes = opts.maxBytesPerFile ?? fromEnv("WEBSCALE_RL_BATCH_MAX_MB", 1024 * 1024) ?? MAX_BYTES_PER_FILE;
    this.maxResubmits = opts.maxResubmits ?? fromEnv("WEBSCALE_RL_BATCH_RESUBMITS", 1) ?? 2;
    this.retain = opts.retainRequests ?? 200_000;
    const asked = typeof cfg.concurrency === "number" ? cfg.concurrency : 0;
    this.maxConcurrency = opts.maxConcurrency ?? fromEnv("WEBSCALE_RL_BATCH_CONCURRENCY", 1) ?? Math.max(2000, asked);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.store = new BatchStore(opts.stateDir, opts.stateName);
    this.secrets = [cfg.defaults.apiKey, ...Object.values(cfg.stages).map((s) => s.apiKey), env.OPENAI_API_KEY].filter(
      (k): k is string => typeof k === "string" && k !== PLACEHOLDER_API_KEY,
    );
  }

  async init(): Promise<void> {
    this.resolver = await createOpenAIClient(this.cfg, { log: this.log });
    const stages = ["", ...Object.keys(this.cfg.stages)];
    for (const stage of stages) {
      try {
        this.settingsFor(stage);
      } catch {
        // A stage the resolver could not set up; complete() reports it if it is ever used.
      }
    }
    for (const q of this.queues.values()) await this.probe(q);
    const loaded = this.store.load((line, msg) => this.log(`batch: ${this.store.file}:${line}: skipped (${msg})`));
    for (const rec of loaded) {
      this.live.set(rec.batch_id, { rec, waiting: new Map(), since: Date.now() });
      for (const id of rec.custom_ids) this.owner.set(id, rec.batch_id);
    }
    const inFlight = loaded.filter((r) => !TERMINAL_STATUSES.has(r.status)).length;
    if (loaded.length) this.log(`batch: ${loaded.length} batches from earlier runs in ${this.store.file} (${inFlight} still in flight); their requests will not be submitted again`);
  }

  modelFor(stage: string): string {
    return this.settingsFor(stage).model;
  }

  stats(): LlmStats {
    const s = this.counters.snapshot();
    // Batch counts ride in by_endpoint under "batch:<base URL>": requests = batches submitted,
    // retries = requests resubmitted after a lost batch, errors = batches failed/expired/cancelled.
    for (const q of this.queues.values()) {
      if (q.counts.submitted === 0 && q.counts.failed === 0) continue;
      s.by_endpoint![`batch:${q.key}`] = { ...emptyCounters(), requests: q.counts.submitted, retries: q.counts.resubmitted, errors: q.counts.failed };
    }
    return s;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pollTimer);
    for (const q of this.queues.values()) clearTimeout(q.timer), (q.pending = []);
    const err = new LlmError("aborted", "the model client is closed (submitted batches are kept in state/ for the next run)");
    for (const e of this.entries.values()) for (const w of e.waiters) w.reject(err);
    this.entries.clear();
    await this.resolver?.close();
  }

  async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
    if (this.closed) throw new LlmError("aborted", "the model client is closed", { stage: req.stage });
    const s = this.settingsFor(req.stage);
    const jsonSchema = jsonSchemaOf(req.schema);
    let correction: ChatMessage[] = [];
    const modeOf = () => (s.structured === "prompt" || this.promptOnly.has(`${s.queue.key}|${s.model}`) ? "prompt" : "json_schema");
    return this.booked(req.stage, s, req.meter, async () => {
      const call = { sent: 0, resubmits: 0, meter: req.meter };
      for (;;) {
        // The same body the HTTP engine sends, so replies (and the fake server's handlers) match.
        const completion = await this.exchange(req.stage, s, call, {
          body: () => chatRequestBody(s, req, jsonSchema, modeOf(), correction),
          signal: req.signal,
          refused: (f) => {
            if (f.kind !== "response_format" || modeOf() !== "json_schema") return false;
            this.promptOnly.add(`${s.queue.key}|${s.model}`);
            this.log(this.scrub(`batch: ${s.queue.key} (${s.model}) refuses response_format; embedding the schema in the prompt from now on`));
            return true;
          },
        });
        const usage = usageOf(completion);
        const raw = completion?.choices?.[0]?.message?.content ?? "";
        const parsed = parseReply(raw, req.schema, completion?.choices?.[0]?.finish_reason === "length");
        if (parsed.ok) return { value: parsed.value, usage, raw, model: completion.model || s.model };
        if (correction.length === 0) {
          // One corrective turn, as online; it goes into a later batch.
          correction = correctionMessages(raw, parsed.errors, req.schemaName);
          this.log(`batch: ${req.stage}: reply did not validate (${parsed.errors}); asking once more in a later batch`);
          continue;
        }
        throw uncorrectableReply(req, parsed.errors, raw, s.model);
      }
    });
  }

  async sample(req: SampleRequest): Promise<SampleResult> {
    if (this.closed) throw new LlmError("aborted", "the model client is closed", { stage: req.stage });
    const s = this.settingsFor(req.stage);
    const key = `${s.queue.key}|${s.model}`;
    const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
    let model = s.model;
    let answered = 0;
    const ask = async (first: number, count: number): Promise<TextSample[]> => {
      let asked = 1;
      const completion = await this.exchange(req.stage, s, { sent: 0, resubmits: 0, meter: req.meter }, {
        body: () => sampleRequestBody(s, req, (asked = count > 1 && !this.noN.has(key) ? count : 1), first),
        signal: req.signal,
        // Identical requests share one batch line; unseeded draws of one prompt must not.
        idTag: `${req.stage}#draw${first}`,
        // As online: a 400/422 to a request with `n` sends the draws one per request.
        refused: (f) => {
          if (asked < 2 || (f.status !== 400 && f.status !== 422) || f.kind === "context_length") return false;
          this.markNoN(key, `refuses n (HTTP ${f.status}: ${f.message})`);
          return true;
        },
      });
      const u = usageOf(completion);
      usage.prompt_tokens += u.prompt_tokens;
      usage.completion_tokens += u.completion_tokens;
      usage.cached_prompt_tokens += u.cached_prompt_tokens;
      model = completion?.model || model;
      answered++;
      const got = choicesOf(completion);
      if (got.length === 0) throw new LlmError("http", `${req.stage}: the batch result holds no choices`, { stage: req.stage, model: s.model });
      if (asked > 1 && got.length < asked) this.markNoN(key, `answered ${got.length} of n=${asked} choices`);
      return got.slice(0, count);
    };
    return this.booked(req.stage, s, req.meter, async () => ({ samples: await drawSamples(req.n, ask, () => !this.noN.has(key)), usage, model, requests: answered }));
  }

  private markNoN(key: string, why: string): void {
    if (this.noN.has(key)) return;
    this.noN.add(key);
    this.log(this.scrub(`batch: ${key.replace("|", " (")}) ${why}; one sample per request from now on`));
  }

  /** Runs a call; an LlmError it ends in is counted once (aborts are not errors). */
  private async booked<T>(stage: string, s: StageSettings, meter: LlmMeter | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof LlmError && err.code !== "aborted") bookRequest(this.counters, meter, { stage, model: s.model, endpoint: s.queue.key }, { errors: 1 });
      throw err;
    }
  }

  /**
   * One request through batches until it has a successful reply: results the server refused
   * are classified like online replies, requests lost with a failed or expired batch are
   * resubmitted, and a refused feature is left to the caller (true = adapted, send again).
   */
  private async exchange(
    stage: string,
    s: StageSettings,
    call: { sent: number; resubmits: number; meter?: LlmMeter },
    x: {
      body: () => ReturnType<typeof chatRequestBody> | ReturnType<typeof sampleRequestBody>;
      signal?: AbortSignal;
      refused: (f: Failure) => boolean;
      /** Names the request in its custom_id besides its body (default: the stage). */
      idTag?: string;
    },
  ): Promise<OpenAI.Chat.ChatCompletion> {
    const book = (delta: Parameters<LlmCounterBook["add"]>[1]) => bookRequest(this.counters, call.meter, { stage, model: s.model, endpoint: s.queue.key }, delta);
    for (;;) {
      const body = x.body();
      let line: ResultLine;
      try {
        line = await this.request(s.queue, customIdOf(x.idTag ?? stage, body), body, () => book({ requests: 1, retries: call.sent > 0 ? 1 : 0 }), x.signal);
      } catch (err) {
        if (err instanceof LlmError) throw new LlmError(err.code, err.message, { stage, model: s.model, ...err.details });
        throw err;
      }
      call.sent++;
      const where = `${stage}: batch request to ${s.queue.key}`;

      const status = line.response?.status_code;
      if (status !== undefined && status >= 200 && status < 300) {
        const completion = line.response!.body as OpenAI.Chat.ChatCompletion;
        const usage = usageOf(completion);
        book({ prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, cached_prompt_tokens: usage.cached_prompt_tokens });
        return completion;
      }

      if (status !== undefined) {
        // A request the batch ran and the server refused: classified like an online reply.
        const f = classifyFailure(APIError.generate(status, line.response?.body ?? undefined, undefined, new Headers()), false);
        if (f.kind === "context_length") throw new LlmError("context_length", this.scrub(`${where}: HTTP ${status}: ${f.message}`), { stage, status, model: s.model });
        if (x.refused(f)) continue;
        if (f.kind === "retryable" && call.resubmits < this.maxResubmits) {
          call.resubmits++;
          s.queue.counts.resubmitted++;
          continue;
        }
        throw new LlmError("http", this.scrub(`${where}: HTTP ${status}: ${f.message}${call.sent > 1 ? ` (after ${call.sent} submissions)` : ""}`), { stage, status, model: s.model });
      }

      // Not run at all: the batch failed, expired or was cancelled before this line.
      const code = line.error?.code ?? "missing_result";
      if (LOST_CODES.has(code) && call.resubmits < this.maxResubmits) {
        call.resubmits++;
        s.queue.counts.resubmitted++;
        continue;
      }
      throw new LlmError("http", this.scrub(`${where}: ${code}: ${line.error?.message ?? "no result"}${call.sent > 1 ? ` (after ${call.sent} submissions)` : ""}`), { stage, model: s.model });
    }
  }

  /**
   * The result line for one request: shared with an identical request already waiting,
   * taken from a batch submitted earlier (this run or a killed one), or queued for the next
   * batch (then `onQueued` books it).
   */
  private request(q: Queue, id: string, body: unknown, onQueued: () => void, signal?: AbortSignal): Promise<ResultLine> {
    return new Promise<ResultLine>((resolve, reject) => {
      if (signal?.aborted) return reject(new LlmError("aborted", "request aborted"));
      let e = this.entries.get(id);
      const waiter: Waiter = {
        resolve: (l) => (signal?.removeEventListener("abort", onAbort), resolve(l)),
        reject: (err) => (signal?.removeEventListener("abort", onAbort), reject(err)),
      };
      const onAbort = () => {
        const entry = this.entries.get(id);
        entry?.waiters.delete(waiter);
        if (entry && entry.waiters.size === 0 && entry.batchId === undefined) this.entries.delete(id); // dropped at flush
        reject(new LlmError("aborted", "request aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (e) return void e.waiters.add(waiter);
      e = { id, queue: q, text: inputLine(id, body), waiters: new Set([waiter]) };
      this.entries.set(id, e);
      const owner = this.owner.get(id);
      const b = owner !== undefined ? this.live.get(owner) : undefined;
      if (b && b.rec.endpoint === q.key) this.attach(b, e);
      else onQueued(), this.enqueue(e);
    });
  }

  private attach(b: LiveBatch, e: Entry): void {
    b.queue ??= e.queue;
    e.batchId = b.rec.batch_id;
    if (b.waiting.size === 0 && !b.results) this.log(`batch: attaching to ${b.rec.batch_id} (${b.rec.status}), submitted earlier: not paying for its requests twice`);
    b.waiting.set(e.id, e);
    if (b.results || (TERMINAL_STATUSES.has(b.rec.status) && (b.rec.downloaded || !b.rec.output_file_id && !b.rec.error_file_id))) {
      setImmediate(() => this.deliver(b));
    } else this.schedulePoll();
  }

  private enqueue(e: Entry): void {
    const q = e.queue;
    const size = Buffer.byteLength(e.text) + 1;
    if (q.pending.length > 0 && q.pendingBytes + size > this.maxBytes) this.flush(q);
    q.pending.push(e);
    q.pendingBytes += size;
    if (q.pending.length >= this.maxRequests) this.flush(q);
    else q.timer ??= setTimeout(() => this.flush(q), this.flushMs);
  }

  private flush(q: Queue): void {
    clearTimeout(q.timer);
    q.timer = undefined;
    const items = q.pending.filter((e) => e.waiters.size > 0);
    q.pending = [];
    q.pendingBytes = 0;
    for (const file of splitIntoFiles(items, this.maxRequests, this.maxBytes)) {
      for (const e of file) e.batchId = ""; // submitting: no longer dropped on abort
      q.chain = q.chain.then(() => this.submitFile(q, file));
    }
  }

  /** Uploads one input file and creates its batch, retrying transient failures; records it before anything else. */
  private async submitFile(q: Queue, file: Entry[]): Promise<void> {
    const text = file.map((e) => e.text).join("\n") + "\n";
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return;
      try {
        const upload = await q.client.files.create({ file: await toFile(Buffer.from(text), "webscale-rl-batch.jsonl", { type: "application/jsonl" }), purpose: "batch" });
        const batch = await q.client.batches.create({ input_file_id: upload.id, endpoint: BATCH_URL, completion_window: "24h" });
        const rec: BatchRecord = {
          batch_id: batch.id,
          endpoint: q.key,
          input_file_id: upload.id,
          custom_ids: file.map((e) => e.id),
          status: batch.status ?? "validating",
          submitted_at: new Date().toISOString(),
        };
        this.store.submitted(rec);
        const b: LiveBatch = { rec, queue: q, waiting: new Map(), since: Date.now() };
        this.live.set(rec.batch_id, b);
        for (const e of file) {
          e.batchId = rec.batch_id;
          e.text = ""; // submitted: the line is no longer needed in memory
          b.waiting.set(e.id, e);
          this.owner.set(e.id, rec.batch_id);
        }
        q.counts.submitted++;
        this.log(`batch: submitted ${rec.batch_id} to ${q.key}: ${file.length} requests, ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB`);
        this.schedulePoll();
        return;
      } catch (err) {
        const f = classifyFailure(err, false);
        const what = `${f.status !== undefined ? `HTTP ${f.status}: ` : ""}${f.message}`;
        if (f.kind === "retryable" && attempt < this.cfg.maxRetries && !this.closed) {
          const delay = backoffDelay(attempt, this.backoff, f.retryAfterMs);
          this.log(this.scrub(`batch: submitting to ${q.key} failed (${what}); retry ${attempt + 1}/${this.cfg.maxRetries} in ${delay} ms`));
          await sleep(delay);
          continue;
        }
        const error = new LlmError("http", this.scrub(`batch submission to ${q.key} failed: ${what}`), { status: f.status });
        for (const e of file) {
          this.entries.delete(e.id);
          for (const w of e.waiters) w.reject(error);
        }
        return;
      }
    }
  }

  private schedulePoll(): void {
    if (this.pollTimer || this.polling || this.closed) return;
    if (![...this.live.values()].some((b) => b.waiting.size > 0)) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.polling = true;
      void this.pollOnce().finally(() => {
        this.polling = false;
        this.schedulePoll();
      });
    }, this.pollMs);
  }

  /** Checks every batch someone waits for; finished ones are downloaded, saved and handed out. */
  private async pollOnce(): Promise<void> {
    for (const b of [...this.live.values()]) {
      if (this.closed) return;
      if (b.waiting.size === 0 || b.results) continue;
      const q = b.queue!;
      try {
        if (!TERMINAL_STATUSES.has(b.rec.status)) {
          const batch = await q.client.batches.retrieve(b.rec.batch_id);
          if (batch.status !== b.rec.status) {
            b.rec.status = batch.status;
            b.rec.output_file_id = batch.output_file_id ?? null;
            b.rec.error_file_id = batch.error_file_id ?? null;
            if (!TERMINAL_STATUSES.has(batch.status)) this.store.statusChanged(b.rec);
          }
          if (!TERMINAL_STATUSES.has(batch.status)) continue;
          const counts = batch.request_counts;
          const took = ((Date.now() - b.since) / 1000).toFixed(0);
          if (batch.status === "completed") q.counts.completed++;
          else q.counts.failed++;
          const why = batch.errors?.data?.map((d) => d.message).filter(Boolean).join("; ");
          this.log(
            this.scrub(
              `batch: ${b.rec.batch_id} ${batch.status} after ${took} s` +
                (counts ? ` (${counts.completed} ok, ${counts.failed} failed of ${counts.total})` : "") +
                (why ? `: ${why}` : ""),
            ),
          );
        }
        if (!b.rec.downloaded) {
          const parts: string[] = [];
          for (const fileId of [b.rec.output_file_id, b.rec.error_file_id]) {
            if (fileId) parts.push(await (await q.client.files.content(fileId)).text());
          }
          this.store.saveResults(b.rec.batch_id, parts.map((p) => (p.endsWith("\n") || !p ? p : p + "\n")).join(""));
          b.rec.downloaded = true;
          this.store.statusChanged(b.rec);
        }
        this.deliver(b);
      } catch (err) {
        const f = classifyFailure(err, false);
        // Polling is retried on the next tick whatever went wrong: a batch stays valid for days.
        this.log(this.scrub(`batch: checking ${b.rec.batch_id} failed (${f.status !== undefined ? `HTTP ${f.status}: ` : ""}${f.message}); trying again later`));
      }
    }
  }

  /** Hands each waiting request its result line (or a "lost" stand-in), then retires old batches. */
  private deliver(b: LiveBatch): void {
    if (this.closed) return;
    b.results ??= parseResults(this.store.readResults(b.rec.batch_id) ?? "", (line, msg) =>
      this.log(`batch: ${this.store.resultsPath(b.rec.batch_id)}:${line}: skipped (${msg})`),
    );
    const status = b.rec.status;
    for (const [id, e] of b.waiting) {
      let line = b.results.get(id);
      if (line) b.results.delete(id);
      else line = lostResult(id, status === "completed" ? "missing_result" : `batch_${status}`, `batch ${b.rec.batch_id} ${status} without running this request`);
      b.waiting.delete(id);
      if (this.entries.get(id) === e) this.entries.delete(id);
      // Consumed: a later identical request in this run is a new request (the file keeps it for a resumed run).
      if (this.owner.get(id) === b.rec.batch_id) this.owner.delete(id);
      for (const w of e.waiters) w.resolve(line);
    }
    this.retireOld();
  }

  /**
   * Finished batches keep their results on disk so that a run killed before it recorded the
   * documents can still use them; beyond `retain` requests, the oldest are forgotten.
   */
  private retireOld(): void {
    const done = [...this.live.values()].filter((b) => b.waiting.size === 0 && TERMINAL_STATUSES.has(b.rec.status));
    let held = done.reduce((n, b) => n + b.rec.custom_ids.length, 0);
    for (const b of done) {
      if (held <= this.retain) break;
      held -= b.rec.custom_ids.length;
      this.live.delete(b.rec.batch_id);
      for (const id of b.rec.custom_ids) if (this.owner.get(id) === b.rec.batch_id) this.owner.delete(id);
      this.store.retire(b.rec.batch_id);
    }
  }

  private settingsFor(stage: string): StageSettings {
    const key = stage in this.cfg.stages ? stage : "";
    const known = this.settings.get(key);
    if (known) return known;
    const model = this.resolver!.modelFor(key); // throws the HTTP engine's config error for an unusable stage
    const d = this.cfg.defaults;
    const o = key === "" ? {} : (this.cfg.stages[key] ?? {});
    const urls = o.baseUrl && o.baseUrl.length > 0 ? o.baseUrl : d.baseUrl.length > 0 ? d.baseUrl : [process.env.OPENAI_BASE_URL || ""];
    const apiKey = o.apiKey || d.apiKey || process.env.OPENAI_API_KEY || PLACEHOLDER_API_KEY;
    if (urls.length > 1) this.log(`batch: ${key || "default"}: several base URLs given; batches go to the first, ${endpointKey(urls[0])}`);
    const s: StageSettings = {
      model,
      queue: this.queueFor(urls[0], apiKey),
      temperature: o.temperature ?? d.temperature,
      maxTokens: o.maxTokens ?? d.maxTokens,
      structured: o.structured && o.structured !== "auto" ? o.structured : d.structured,
    };
    this.settings.set(key, s);
    return s;
  }

  private queueFor(baseUrl: string, apiKey: string): Queue {
    const id = `${baseUrl}\u0000${apiKey}`;
    let q = this.queues.get(id);
    if (!q) {
      const client = new OpenAI({ baseURL: baseUrl, apiKey, maxRetries: 2, timeout: Math.max(this.cfg.timeoutMs, 300_000) });
      q = { key: endpointKey(baseUrl), client, pending: [], pendingBytes: 0, chain: Promise.resolve(), counts: { submitted: 0, completed: 0, failed: 0, resubmitted: 0 } };
      this.queues.set(id, q);
    }
    return q;
  }

  /** A server without the Batch API (vLLM's online server, llama.cpp) stops the run before work. */
  private async probe(q: Queue): Promise<void> {
    try {
      await q.client.batches.list({ limit: 1 }, { maxRetries: 1, timeout: 30_000 });
    } catch (err) {
      const f = classifyFailure(err, false);
      if (f.status === 404 || f.status === 405 || f.status === 501) {
        throw new LlmError("config", this.scrub(`${q.key} has no Batch API (GET /batches: HTTP ${f.status}); use --engine openai for this server`));
      }
      if (f.status === 401 || f.status === 403) throw new LlmError("config", this.scrub(`${q.key} refused the API key for the Batch API (HTTP ${f.status}): check --api-key / OPENAI_API_KEY`));
      this.log(this.scrub(`batch: could not check the Batch API at ${q.key} (${f.message}); going on`));
    }
  }

  private scrub(text: string): string {
    return scrubSecrets(text, this.secrets).replace(/\bsk-[A-Za-z0-9_*\-]{6,}/g, "sk-***");
  }
}

function usageOf(completion: OpenAI.Chat.ChatCompletion | undefined): Usage {
  const u = completion?.usage;
  return {
    prompt_tokens: u?.prompt_tokens ?? 0,
    completion_tokens: u?.completion_tokens ?? 0,
    cached_prompt_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

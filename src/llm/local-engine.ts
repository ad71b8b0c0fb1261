/**
 * The local engine: every stage runs on a GGUF model inside this process (llama.cpp through
 * node-llama-cpp). Replies are constrained while decoding by a grammar built from the stage's
 * JSON schema, then validated with zod like any other engine's. One context holds one sequence
 * per concurrent request; how many is sized from the machine (see `planSequences`), and which
 * one serves a request is decided by the prefix it shares with it (sequence-router.ts).
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { z } from "zod";
import type {
  ChatHistoryItem,
  Llama,
  LlamaChat as LlamaChatType,
  LlamaContext,
  LlamaGrammar,
  LlamaModel,
} from "node-llama-cpp";
import type { LlmConfig } from "../config/schema.js";
import type { LlmStats } from "../records.js";
import { bookRequest, LlmCounterBook, type LlmMeter } from "./counters.js";
import { DEFAULT_LOCAL_MODEL, resolveEmbeddedDefault } from "./default-model.js";
import { missingModelAdvice } from "./model-cache.js";
import { appendToLastUser, correctionMessages, jsonSchemaOf, parseReply, schemaInstruction, uncorrectableReply } from "./structured.js";
import { drawSamples } from "./samples.js";
import { LlmError, type ChatMessage, type CompleteRequest, type CompleteResult, type LlmClient, type SampleRequest, type SampleResult, type TextSample, type Usage } from "./types.js";
import { SequenceRouter, sharedPrefix, type RoutedPrompt } from "./sequence-router.js";
import { planThreads } from "./threads.js";

export interface LocalEngineOptions {
  log?: (msg: string) => void;
  /** CPU threads for llama.cpp (default: `$WEBSCALE_RL_THREADS`, else the cores other work leaves idle; threads.ts). */
  threads?: number;
  /** "auto" uses CUDA/Metal/Vulkan when such a prebuilt binary is installed and usable. */
  gpu?: "auto" | false;
  /** Context size per sequence, in tokens (default: min(model's trained size, 8192)). */
  contextSize?: number;
  /** Fixed number of sequences, overriding the machine-based plan. */
  sequences?: number;
  /**
   * Route each request to the sequence that holds the longest prefix of it (default true);
   * false hands out whichever sequence is free, as before issue 21 (the bench's baseline).
   */
  affinity?: boolean;
}

/** Tokens per sequence unless the model was trained on fewer: a 6k-token document plus instructions. */
const DEFAULT_CONTEXT = 8192;
/** More parallel sequences than this gain little on a GPU and cost KV memory. */
const GPU_SEQUENCE_CAP = 16;
/** Share of free memory the KV caches may take. */
const MEMORY_SHARE = 0.8;

/**
 * How many sequences (= requests in flight) one context gets. On a CPU, decoding N sequences in
 * one batch uses the cores better than one, but beyond one per core the batch only grows
 * latency; on a GPU the cap is higher. Either way each sequence's KV cache must fit in 80 % of
 * the free memory (RAM, or VRAM with a GPU).
 */
export function planSequences(p: { cores: number; freeBytes: number; perSequenceBytes: number; gpu: boolean; cap?: number }): number {
  const byDevice = p.gpu ? GPU_SEQUENCE_CAP : Math.max(1, p.cores);
  const byMemory = p.perSequenceBytes > 0 ? Math.floor((p.freeBytes * MEMORY_SHARE) / p.perSequenceBytes) : byDevice;
  return Math.max(1, Math.min(byDevice, byMemory, p.cap ?? Infinity));
}

interface StageSettings {
  model: string;
  temperature?: number;
  maxTokens?: number;
}

interface Slot {
  chat: LlamaChatType;
}

export async function createLocalClient(cfg: LlmConfig, opts: LocalEngineOptions = {}): Promise<LlmClient> {
  const log = opts.log ?? (() => {});
  let modelFile = cfg.modelFile;
  // No file named: the embedded default (its notice goes to stderr unless the caller logs).
  if (!modelFile) modelFile = (await resolveEmbeddedDefault(cfg, { log: opts.log })).modelFile!;
  modelFile = path.resolve(modelFile);
  if (!existsSync(modelFile)) {
    throw new LlmError("config", `the model file ${modelFile} does not exist.\n${missingModelAdvice(DEFAULT_LOCAL_MODEL, "the cache")}`);
  }

  const nlc = await import("node-llama-cpp");
  let llama: Llama;
  try {
    llama = await nlc.getLlama({
      gpu: opts.gpu ?? (process.env.WEBSCALE_RL_GPU === "0" ? false : "auto"),
      // Never compile llama.cpp on a user's machine: use the prebuilt binary that npm installed.
      build: "never",
      logLevel: nlc.LlamaLogLevel.error,
      logger: (_level, message) => log(`llama.cpp: ${message.trim()}`),
    });
  } catch (err) {
    throw new LlmError(
      "config",
      `the local engine cannot start llama.cpp (${(err as Error).message}). Install the prebuilt binary for this platform ` +
        `(e.g. npm install @node-llama-cpp/${process.platform}-${process.arch}), or use a model server with --base-url.`,
    );
  }

  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: modelFile });
  } catch (err) {
    await llama.dispose();
    throw new LlmError("config", `cannot load the GGUF model ${modelFile}: ${(err as Error).message}`);
  }

  const threadPlan = opts.threads ? { threads: opts.threads, why: "as asked" } : planThreads({ cores: llama.cpuMathCores, load: os.loadavg()[0]!, env: process.env.WEBSCALE_RL_THREADS });
  const threads = threadPlan.threads;
  const contextSize = Math.min(model.trainContextSize, opts.contextSize ?? DEFAULT_CONTEXT);
  const gpu = llama.gpu !== false && model.gpuLayers > 0;
  let sequences = opts.sequences;
  if (sequences === undefined) {
    // The marginal memory of one more sequence, as llama.cpp's own estimate has it; 0 (= no memory
    // bound, the context creation below still halves N on failure) for a model it cannot estimate.
    let perSequenceBytes = 0;
    try {
      const [one, two] = await Promise.all(
        [1, 2].map((n) => model.fileInsights.estimateContextResourceRequirementsV2({ contextSize, modelGpuLayers: model.gpuLayers, sequences: n })),
      );
      perSequenceBytes = gpu ? two!.gpuVram - one!.gpuVram : two!.cpuRam - one!.cpuRam;
    } catch {
      perSequenceBytes = 0;
    }
    const freeBytes = gpu ? (await llama.getVramState()).free : os.freemem();
    const cap = typeof cfg.concurrency === "number" ? cfg.concurrency : undefined;
    // Sequences follow the cores, not the threads: a sequence is KV state that keeps a document's
    // prefix, and decoding several in one batch costs little more than one.
    sequences = planSequences({ cores: llama.cpuMathCores, freeBytes, perSequenceBytes, gpu, cap });
  }

  let context: LlamaContext | undefined;
  for (let n = sequences; !context; n = Math.floor(n / 2)) {
    try {
      context = await model.createContext({ sequences: n, contextSize, threads, ignoreMemorySafetyChecks: false });
      sequences = n;
    } catch (err) {
      if (n <= 1) {
        await model.dispose();
        await llama.dispose();
        throw new LlmError("config", `cannot create a ${contextSize}-token context for ${modelFile}: ${(err as Error).message}`);
      }
    }
  }

  const slots: Slot[] = [];
  for (let i = 0; i < sequences; i++) slots.push({ chat: new nlc.LlamaChat({ contextSequence: context.getSequence(), chatWrapper: "auto" }) });
  const modelName = path.basename(modelFile).replace(/\.gguf$/i, "");
  const affinity = opts.affinity ?? true;
  log(
    `local engine: ${modelName}, ${sequences} sequence(s) of ${context.contextSize} tokens, ${gpu ? `GPU (${String(llama.gpu)})` : "CPU"}, ` +
      `${threads} thread(s) (${threadPlan.why}), chat format ${slots[0]!.chat.chatWrapper.wrapperName}` +
      (affinity ? "" : ", no prefix affinity"),
  );
  return new LocalEngine(cfg, llama, model, context, new SequenceRouter(slots, { affinity }), slots[0]!.chat, modelName, log);
}

class LocalEngine implements LlmClient {
  readonly maxConcurrency: number;
  private readonly counters = new LlmCounterBook();
  /** Tokens of the rendered system message alone, per system text (the run has one or two). */
  private readonly systemTokens = new Map<string, number[]>();
  private readonly grammars = new WeakMap<z.ZodType, Promise<LlamaGrammar | undefined>>();
  private closed = false;

  constructor(
    private readonly cfg: LlmConfig,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly router: SequenceRouter<Slot>,
    /** Any slot's chat: they share the chat wrapper, which renders prompts without touching a sequence. */
    private readonly renderer: LlamaChatType,
    private readonly modelName: string,
    private readonly log: (msg: string) => void,
  ) {
    this.maxConcurrency = router.size;
  }

  modelFor(stage: string): string {
    return this.settingsFor(stage).model;
  }

  stats(): LlmStats {
    return this.counters.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
    if (this.closed) throw new LlmError("aborted", "the model client is closed", { stage: req.stage });
    const s = this.settingsFor(req.stage);
    return this.booked(req.stage, s, req.meter, async () => {
      const grammar = await this.grammarFor(req.schema, req.schemaName);
      // Without a grammar (a schema llama.cpp's JSON grammar cannot express) the schema goes in the prompt.
      const base = grammar ? req.messages : appendToLastUser(req.messages, schemaInstruction(req.schemaName, jsonSchemaOf(req.schema)));
      let correction: ChatMessage[] = [];
      const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
      for (let attempt = 0; ; attempt++) {
        const seed = req.sampling?.seed;
        const { raw, stopReason } = await this.generate(req.stage, s, [...base, ...correction], usage, {
          grammar,
          maxTokens: s.maxTokens ?? req.sampling?.max_tokens,
          temperature: s.temperature ?? req.sampling?.temperature,
          seed: seed === undefined ? undefined : seed + attempt,
          signal: req.signal,
          retry: attempt > 0,
          meter: req.meter,
        });
        const parsed = parseReply(raw, req.schema, stopReason === "maxTokens");
        if (parsed.ok) return { value: parsed.value, usage, raw, model: s.model };
        const why = parsed.errors;
        if (attempt === 0) {
          // The grammar fixes the shape; what it cannot express (patterns, ranges) or a reply cut
          // off at max_tokens gets one corrective turn, as with the HTTP engine.
          correction = correctionMessages(raw, why, req.schemaName);
          this.log(`llm: ${req.stage}: reply did not validate (${why}); asking once more`);
          continue;
        }
        throw uncorrectableReply(req, why, raw, s.model);
      }
    });
  }

  /**
   * K generations of the prompt, side by side on sequences the router picks (sample i with
   * seed + i). They share the prompt, so after the first the router sends them where it is held.
   */
  async sample(req: SampleRequest): Promise<SampleResult> {
    if (this.closed) throw new LlmError("aborted", "the model client is closed", { stage: req.stage });
    const s = this.settingsFor(req.stage);
    const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
    const seed = req.sampling?.seed;
    const one = async (first: number): Promise<TextSample[]> => {
      const { raw, stopReason } = await this.generate(req.stage, s, req.messages, usage, {
        maxTokens: s.maxTokens ?? req.sampling?.max_tokens,
        temperature: s.temperature ?? req.sampling?.temperature,
        seed: seed === undefined ? undefined : seed + first,
        signal: req.signal,
        retry: false,
        meter: req.meter,
      });
      return [{ text: raw, truncated: stopReason === "maxTokens" }];
    };
    return this.booked(req.stage, s, req.meter, async () => ({ samples: await drawSamples(req.n, one, () => false), usage, model: s.model, requests: req.n }));
  }

  /** Runs a call; an LlmError it ends in is counted once (aborts are not errors). */
  private async booked<T>(stage: string, s: StageSettings, meter: LlmMeter | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof LlmError && err.code !== "aborted") bookRequest(this.counters, meter, { stage, model: s.model }, { errors: 1 });
      throw err;
    }
  }

  /**
   * One generation on the sequence the router picks for the prompt (the one holding most of it),
   * its tokens booked and added to `usage`. Throws LlmError.
   */
  private async generate(
    stage: string,
    s: StageSettings,
    messages: ChatMessage[],
    usage: Usage,
    o: { grammar?: LlamaGrammar; maxTokens?: number; temperature?: number; seed?: number; signal?: AbortSignal; retry: boolean; meter?: LlmMeter },
  ): Promise<{ raw: string; stopReason: string }> {
    const book = (delta: Parameters<LlmCounterBook["add"]>[1]) => bookRequest(this.counters, o.meter, { stage, model: s.model }, delta);
    if (o.signal?.aborted) throw new LlmError("aborted", "request aborted", { stage });
    const history = toHistory(messages);
    const prompt = this.route(history);
    const promptTokens = prompt.tokens.length;
    const room = this.context.contextSize - promptTokens;
    if (room < Math.max(1, o.maxTokens ?? 1)) {
      book({ requests: 1, retries: o.retry ? 1 : 0 });
      throw new LlmError(
        "context_length",
        `${stage}: the prompt is ${promptTokens} tokens and ${o.maxTokens ?? 1} more are wanted, over the local context of ${this.context.contextSize} tokens`,
        { stage, model: s.model },
      );
    }
    const lease = await this.router.acquire(prompt);
    const slot = lease.value;
    try {
      // The request may have been aborted while it waited for a free sequence.
      if (o.signal?.aborted) throw new LlmError("aborted", "request aborted", { stage });
      book({ requests: 1, retries: o.retry ? 1 : 0 });
      const chat = slot.chat;
      const meter = chat.sequence.tokenMeter.getState();
      const res = await chat.generateResponse(history, {
        grammar: o.grammar,
        maxTokens: o.maxTokens ?? room,
        temperature: o.temperature,
        seed: o.seed,
        signal: o.signal,
        stopOnAbortSignal: false,
      });
      const raw = res.response;
      const used = chat.sequence.tokenMeter.diff(meter);
      // The meter books a token whose logits are read as output: the prompt's last token, which
      // is always evaluated (anew, if it was cached) to get the first reply token, is one of them.
      const evaluated = used.usedInputTokens + 1;
      const delta = {
        prompt_tokens: promptTokens,
        // Tokens the sequence did not have to evaluate again: the prefix an earlier request left in it.
        cached_prompt_tokens: Math.max(0, promptTokens - evaluated),
        completion_tokens: used.usedOutputTokens || this.model.tokenize(raw).length,
      };
      usage.prompt_tokens += delta.prompt_tokens;
      usage.cached_prompt_tokens += delta.cached_prompt_tokens;
      usage.completion_tokens += delta.completion_tokens;
      book(delta);
      return { raw, stopReason: res.metadata.stopReason };
    } catch (err) {
      if (err instanceof LlmError) throw err;
      if (o.signal?.aborted) throw new LlmError("aborted", "request aborted", { stage });
      const message = (err as Error).message ?? String(err);
      if (/context/i.test(message) && /(size|length|full|exceed|fit)/i.test(message)) {
        throw new LlmError("context_length", `${stage}: ${message}`, { stage, model: s.model });
      }
      throw new LlmError("http", `${stage}: the local engine failed: ${message}`, { stage, model: s.model });
    } finally {
      // What the sequence now holds (prompt and reply) is what the next request will find.
      this.router.release(slot, slot.chat.sequence.contextTokens);
    }
  }

  private grammarFor(schema: z.ZodType, schemaName: string): Promise<LlamaGrammar | undefined> {
    let g = this.grammars.get(schema);
    if (!g) {
      g = this.llama.createGrammarForJsonSchema(toGrammarSchema(jsonSchemaOf(schema)) as never).catch((err: Error) => {
        this.log(`llm: no decoding grammar for ${schemaName} (${err.message}); the schema goes in the prompt instead`);
        return undefined;
      });
      this.grammars.set(schema, g);
    }
    return g;
  }

  /**
   * The prompt as the sequence will hold it (the chat template applied, tokenized as LlamaChat
   * does), and how much of it is the system message that every call shares.
   */
  private route(history: ChatHistoryItem[]): RoutedPrompt {
    const tokens = this.render(history);
    const first = history[0];
    if (first?.type !== "system") return { tokens, common: 0 };
    let system = this.systemTokens.get(first.text as string);
    if (!system) {
      system = this.render([first, { type: "model", response: [] }]);
      this.systemTokens.set(first.text as string, system);
    }
    return { tokens, common: sharedPrefix(system, tokens) };
  }

  private render(history: ChatHistoryItem[]): number[] {
    return this.renderer.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(this.model.tokenizer) as number[];
  }

  private settingsFor(stage: string): StageSettings {
    const d = this.cfg.defaults;
    const o = this.cfg.stages[stage] ?? {};
    // One GGUF serves every stage; a configured model name only labels it in records and stats.
    return { model: o.model ?? d.model ?? this.modelName, temperature: o.temperature ?? d.temperature, maxTokens: o.maxTokens ?? d.maxTokens };
  }
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === "system" ? { type: "system", text: m.content } : m.role === "user" ? { type: "user", text: m.content } : { type: "model", response: [m.content] },
  );
  history.push({ type: "model", response: [] });
  return history;
}

const KEEP = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "enum",
  "const",
  "minLength",
  "maxLength",
  "description",
  "$defs",
  "$ref",
  "oneOf",
  "minProperties",
  "maxProperties",
]);

/**
 * Narrows a zod-made JSON schema to what node-llama-cpp's JSON grammar understands: `anyOf`
 * becomes `oneOf`, unsupported keywords (patterns, numeric ranges, defaults) are dropped — zod
 * still checks them after decoding — and string formats other than dates are plain strings.
 */
export function toGrammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGrammarSchema);
  if (!schema || typeof schema !== "object") return schema;
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === "anyOf") out.oneOf = toGrammarSchema(value);
    else if (key === "format" && ["date-time", "time", "date"].includes(value as string)) out.format = value;
    else if (key === "properties" || key === "$defs") {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toGrammarSchema(v)]));
    } else if (KEEP.has(key)) out[key] = typeof value === "object" ? toGrammarSchema(value) : value;
  }
  // `{}` (zod's "any") is not a grammar schema; any JSON value is.
  if (Object.keys(out).length === 0 || (Object.keys(out).length === 1 && "description" in out)) {
    return { ...out, type: ["string", "number", "boolean", "null"] };
  }
  if (out.type === "object" && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

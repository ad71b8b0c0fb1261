/**
 * A simulated inference server for benchmarks: the fake OpenAI-compatible server (same
 * replies, same token estimate) with a latency and capacity model shaped like vLLM's:
 * - at most `capacity` sequences run at once; further requests wait in a FIFO queue;
 * - a running request costs `overheadMs` + `prefillMsPer1k` per 1k UNCACHED prompt tokens
 *   + `decodeMsPerToken` per completion token;
 * - a prefix cache: the prompt (roles and contents, in order) is cut into blocks of
 *   `blockChars` characters (~32 tokens), each keyed by a chained hash of everything before
 *   it, as in vLLM's block-level automatic prefix caching. The leading blocks found in an LRU
 *   of `cacheTokens` capacity are cached: they cost no prefill and are reported in
 *   `usage.prompt_tokens_details.cached_tokens`. A request's blocks enter the cache once its
 *   prefill is done.
 * - gauges: running sequences and queue length sampled every `sampleMs`, token totals;
 * - degradation: lower the capacity and/or bound the queue, answering 503 (or 429) beyond it.
 * `instant: true` skips all of it (no latency, no cache): for memory and CPU benches.
 *
 * Run in-process with `startSimServer`, or in its own process with `startSimServerProcess`
 * (so that the server's CPU does not compete with the pipeline's on a small machine).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startFakeOpenAI, type FakeHandler, type FakeOpenAI, type ReplyInfo, type ReplyShape } from "./fake-openai-server.js";
import { stageHandlers } from "./fake-stage-handlers.js";
import { policyFor, type PolicyModel } from "./fake-policy.js";
import { readFileSync } from "node:fs";
import { estimateTokens } from "../../src/util/tokens.js";
import { fnv1a32 } from "../../src/util/hash.js";

export interface SimOptions {
  capacity: number;
  overheadMs: number;
  prefillMsPer1k: number;
  decodeMsPerToken: number;
  /** Prefix-cache capacity in (estimated) tokens; 0 = no prefix cache. */
  cacheTokens: number;
  blockChars: number;
  sampleMs: number;
  instant: boolean;
  /** Extra handlers by schema name (the stage handlers are always there). */
  handlers?: Record<string, FakeHandler>;
  /**
   * Make every document's personas its own (the fake handlers reuse a few per domain, which a
   * real model does not): keeps a persona-first prompt from hitting the cache across documents.
   */
  documentPersonas: boolean;
  /** Answers plain-text (policy) requests for the questions it knows (fake-policy.ts). */
  policy?: PolicyModel;
  /** The same from a JSONL file of {question, answer, p, wrong?} (what a server in its own process can be given). */
  policyFile?: string;
  /** What the server does with `n` > 1 (default: runs that many sequences). */
  n?: "supported" | "refused" | "ignored";
}

export const DEFAULT_SIM: SimOptions = {
  capacity: 256,
  overheadMs: 15,
  prefillMsPer1k: 40,
  decodeMsPerToken: 8,
  cacheTokens: 2_000_000,
  blockChars: 128,
  sampleMs: 10,
  instant: false,
  documentPersonas: true,
};

export interface Degradation {
  /** Sequences the server can run now (default: unchanged). */
  capacity?: number;
  /** Requests arriving while this many already wait are refused (default: unbounded queue). */
  maxQueue?: number;
  status?: 429 | 503;
}

export interface SimGauges {
  seconds: number;
  capacity: number;
  running_mean: number;
  running_p95: number;
  queue_mean: number;
  queue_p95: number;
  requests: number;
  /** Choices answered: with `n`, several per request. */
  choices: number;
  refused: number;
  prompt_tokens: number;
  cached_tokens: number;
  uncached_tokens: number;
  completion_tokens: number;
  by_schema: Record<string, { requests: number; prompt_tokens: number; cached_tokens: number; completion_tokens: number }>;
}

export interface SimServer {
  url: string;
  gauges(): Promise<SimGauges>;
  /** Starts a new measurement window (gauges and totals). */
  reset(): Promise<void>;
  degrade(d: Degradation | null): Promise<void>;
  close(): Promise<void>;
}

/** An LRU set of block keys, by Map insertion order. */
class BlockLru {
  private readonly map = new Map<number, true>();
  constructor(private readonly maxBlocks: number) {}
  has(k: number): boolean {
    if (!this.map.has(k)) return false;
    this.map.delete(k);
    this.map.set(k, true);
    return true;
  }
  add(k: number): void {
    this.map.delete(k);
    this.map.set(k, true);
    if (this.map.size > this.maxBlocks) this.map.delete(this.map.keys().next().value!);
  }
}

/**
 * Chained block keys of a prompt: key i hashes blocks 0..i, so a block is reused only after
 * the same prefix (two FNV-1a variants packed into 53 bits keep collisions negligible).
 */
export function blockKeys(text: string, blockChars: number): number[] {
  const keys: number[] = [];
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const full = text.length - (text.length % blockChars);
  for (let i = 0; i < full; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
    if ((i + 1) % blockChars === 0) keys.push((a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff));
  }
  return keys;
}

/** The prompt as the server's cache sees it: every message's role and content, in order. */
function promptLayout(messages: { role: string; content: string }[]): { text: string; starts: number[] } {
  let text = "";
  const starts: number[] = [];
  for (const m of messages) {
    text += `<${m.role}>\n`;
    starts.push(text.length);
    text += m.content + "\n";
  }
  return { text, starts };
}

/** Estimated tokens in the first `chars` characters of the layout (same estimate as prompt_tokens). */
function tokensInPrefix(messages: { content: string }[], starts: number[], chars: number): number {
  let n = 0;
  for (let i = 0; i < messages.length; i++) {
    const start = starts[i]!;
    if (chars <= start) break;
    const content = messages[i]!.content;
    n += chars >= start + content.length ? estimateTokens(content) : estimateTokens(content.slice(0, chars - start));
  }
  return n;
}

// Unref: a request still running when the server is closed must not keep the process alive.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export async function startSimServer(options: Partial<SimOptions> = {}): Promise<SimServer> {
  const o: SimOptions = { ...DEFAULT_SIM, ...options };
  const lru = new BlockLru(Math.max(1, Math.floor((o.cacheTokens * 4) / o.blockChars)));
  let capacity = o.capacity;
  let degradation: Degradation | null = null;
  /** Sequences running: a request with `n` = K runs K of them (vLLM's max-num-seqs counts sequences). */
  let running = 0;
  const queue: { seqs: number; wake: () => void }[] = [];
  const fresh = () => ({
    started: Date.now(),
    running: [] as number[],
    queued: [] as number[],
    requests: 0,
    /** Choices answered (= sequences run). */
    choices: 0,
    refused: 0,
    prompt: 0,
    cached: 0,
    completion: 0,
    bySchema: {} as SimGauges["by_schema"],
  });
  let w = fresh();

  // A request starts when its sequences fit (or alone, when it needs more than the whole capacity).
  const fitsNow = (seqs: number) => running === 0 || running + seqs <= capacity;
  const admit = () => {
    while (queue.length > 0 && fitsNow(queue[0]!.seqs)) {
      const next = queue.shift()!;
      running += next.seqs;
      next.wake();
    }
  };

  async function beforeReply(info: ReplyInfo): Promise<ReplyShape> {
    if (degradation?.maxQueue !== undefined && queue.length >= degradation.maxQueue) {
      w.refused++;
      return { status: degradation.status ?? 503 };
    }
    const seqs = Math.max(1, info.choiceTokens.length);
    if (queue.length === 0 && fitsNow(seqs)) running += seqs;
    else await new Promise<void>((r) => queue.push({ seqs, wake: r }));
    let cachedTokens = 0;
    try {
      let keys: number[] = [];
      let hits = 0;
      if (o.cacheTokens > 0) {
        const { text, starts } = promptLayout(info.ctx.messages);
        keys = blockKeys(text, o.blockChars);
        while (hits < keys.length && lru.has(keys[hits]!)) hits++;
        cachedTokens = Math.min(info.promptTokens, tokensInPrefix(info.ctx.messages, starts, hits * o.blockChars));
      }
      const uncached = info.promptTokens - cachedTokens;
      await sleep(o.overheadMs + (o.prefillMsPer1k * uncached) / 1000);
      for (let i = hits; i < keys.length; i++) lru.add(keys[i]!);
      // The prompt is prefilled once for all of a request's sequences; they decode side by side.
      await sleep(o.decodeMsPerToken * Math.max(0, ...info.choiceTokens));
    } finally {
      running -= seqs;
      admit();
    }
    const name = info.ctx.schemaName ?? "none";
    const s = (w.bySchema[name] ??= { requests: 0, prompt_tokens: 0, cached_tokens: 0, completion_tokens: 0 });
    s.requests++, (s.prompt_tokens += info.promptTokens), (s.cached_tokens += cachedTokens), (s.completion_tokens += info.completionTokens);
    w.requests++, (w.prompt += info.promptTokens), (w.cached += cachedTokens), (w.completion += info.completionTokens), (w.choices += seqs);
    return { cachedTokens };
  }

  const own = (h: FakeHandler): FakeHandler => async (ctx) => {
    const v = (await h(ctx)) as { personas: { role: string; wants: string }[] };
    const tag = fnv1a32(ctx.document ?? "").toString(36);
    return { ...v, personas: v.personas.map((p) => ({ ...p, role: `${p.role} (reader ${tag})` })) };
  };
  const personaHandlers: Record<string, FakeHandler> = o.documentPersonas
    ? { identify_result: own(stageHandlers.identify_result!), filter_identify_result: own(stageHandlers.filter_identify_result!) }
    : {};
  const fake: FakeOpenAI = await startFakeOpenAI({
    handlers: { ...stageHandlers, ...personaHandlers, ...(o.handlers ?? {}) },
    recordRequests: false,
    beforeReply: o.instant
      ? (info) => {
          w.requests++, (w.prompt += info.promptTokens), (w.completion += info.completionTokens), (w.choices += info.choiceTokens.length);
        }
      : beforeReply,
    policy: o.policy ?? (o.policyFile ? policyFor(readFileSync(o.policyFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))) : undefined),
    n: o.n,
  });
  const sampler = setInterval(() => {
    w.running.push(running);
    w.queued.push(queue.length);
  }, o.sampleMs);
  sampler.unref();

  return {
    url: fake.url,
    async gauges() {
      const stat = (xs: number[]) => {
        if (xs.length === 0) return { mean: 0, p95: 0 };
        const sorted = [...xs].sort((a, b) => a - b);
        return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, p95: sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))]! };
      };
      const r = stat(w.running);
      const q = stat(w.queued);
      return {
        seconds: (Date.now() - w.started) / 1000,
        capacity,
        running_mean: r.mean,
        running_p95: r.p95,
        queue_mean: q.mean,
        queue_p95: q.p95,
        requests: w.requests,
        choices: w.choices,
        refused: w.refused,
        prompt_tokens: w.prompt,
        cached_tokens: w.cached,
        uncached_tokens: w.prompt - w.cached,
        completion_tokens: w.completion,
        by_schema: w.bySchema,
      };
    },
    async reset() {
      w = fresh();
    },
    async degrade(d) {
      degradation = d;
      capacity = d?.capacity ?? o.capacity;
      admit();
    },
    async close() {
      clearInterval(sampler);
      for (const q of queue.splice(0)) q.wake();
      await fake.close();
    },
  };
}

// --- the same server in a child process, driven over IPC ------------------------------------

type Msg = { id: number; op: "gauges" | "reset" | "degrade" | "close"; arg?: Degradation | null };

/** Starts the simulated server in its own Node process (stage handlers only). */
export async function startSimServerProcess(options: Partial<Omit<SimOptions, "handlers" | "policy">> = {}): Promise<SimServer & { pid: number }> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(options)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, (v: any) => void>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`sim server exited with ${code}`)));
    child.once("message", (m: any) => resolve(m.url));
  });
  child.removeAllListeners("exit");
  child.on("message", (m: any) => pending.get(m.id)?.(m.value));
  const call = (op: Msg["op"], arg?: Degradation | null) =>
    new Promise<any>((resolve) => {
      const id = next++;
      pending.set(id, (v) => (pending.delete(id), resolve(v)));
      child.send({ id, op, arg } satisfies Msg);
    });
  return {
    url,
    pid: child.pid!,
    gauges: () => call("gauges"),
    reset: () => call("reset"),
    degrade: (d) => call("degrade", d),
    async close() {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      await call("close");
      await exited;
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.send) {
  const sim = await startSimServer(JSON.parse(process.argv[2] ?? "{}") as Partial<SimOptions>);
  process.send({ url: sim.url });
  process.on("message", async (m: Msg) => {
    const value = m.op === "gauges" ? await sim.gauges() : m.op === "reset" ? await sim.reset() : m.op === "degrade" ? await sim.degrade(m.arg ?? null) : await sim.close();
    process.send!({ id: m.id, value });
    if (m.op === "close") process.disconnect();
  });
}

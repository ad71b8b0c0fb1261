/**
 * The OpenAI Files + Batches endpoints for the fake server (mounted with `extraRoutes`):
 * `POST /v1/files` (multipart), `GET /v1/files/{id}/content`, `POST /v1/batches`,
 * `GET /v1/batches/{id}`, `GET /v1/batches`. A batch "runs" after a delay: every line is
 * POSTed to the same server's /v1/chat/completions, so stage handlers and faults apply to
 * batch lines exactly as to live requests; 200 replies go to the output file, the rest to
 * the error file, in the OpenAI batch output format. Batches can be made to fail or expire,
 * and every submission is recorded (the resume test counts them).
 */
import type http from "node:http";
import type { ExtraRoutes } from "./fake-openai-server.js";
import { join } from "node:path";
import { resolveRunConfig } from "../../src/config/load.js";
import { createBatchClient, type BatchEngineOptions } from "../../src/llm/batch-engine.js";
import { runPipeline, type RunResult } from "../../src/pipeline/run.js";
import type { FakeOpenAI, FakeOpenAIOptions } from "./fake-openai-server.js";
import { startStageServer } from "./pipeline-harness.js";

export interface FakeFile {
  id: string;
  purpose: string;
  filename: string;
  content: string;
}

export interface FakeBatch {
  id: string;
  object: "batch";
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: "validating" | "in_progress" | "finalizing" | "completed" | "failed" | "expired" | "cancelled";
  output_file_id: string | null;
  error_file_id: string | null;
  errors: { object: "list"; data: { code: string; message: string }[] } | null;
  created_at: number;
  request_counts: { total: number; completed: number; failed: number };
}

export interface Submission {
  batchId: string;
  customIds: string[];
  bytes: number;
}

export interface FakeBatchApiOptions {
  /** How long a batch waits before it runs (default 50 ms). */
  delayMs?: number;
}

export interface FakeBatchApi {
  routes: ExtraRoutes;
  files: Map<string, FakeFile>;
  batches: Map<string, FakeBatch>;
  /** Every batch created, in order, with its lines' custom_ids. */
  submissions: Submission[];
  setDelay(ms: number): void;
  /** Batches created from now on wait (status "validating") until `release`; so do ones not yet started. */
  hold(): void;
  release(): void;
  /** The next `n` batches created fail validation: no output, every request lost. */
  failNext(n?: number): void;
  /** The next `n` batches expire after running only their first `done` lines (default half). */
  expireNext(n?: number, done?: number): void;
  /** Resolves when no batch is waiting or running. */
  idle(): Promise<void>;
  close(): void;
}

const TERMINAL = new Set(["completed", "failed", "expired", "cancelled"]);

export function createFakeBatchApi(opts: FakeBatchApiOptions = {}): FakeBatchApi {
  let delayMs = opts.delayMs ?? 50;
  let held: Promise<void> | undefined;
  let releaseHeld: () => void = () => {};
  let failLeft = 0;
  const expirePlan: (number | undefined)[] = [];
  let seq = 0;
  const files = new Map<string, FakeFile>();
  const batches = new Map<string, FakeBatch>();
  const submissions: Submission[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const nextId = (prefix: string) => `${prefix}-${(++seq).toString().padStart(6, "0")}`;

  function addFile(purpose: string, filename: string, content: string): FakeFile {
    const f = { id: nextId("file"), purpose, filename, content };
    files.set(f.id, f);
    return f;
  }

  async function runBatch(b: FakeBatch, selfUrl: string, expireAfter: number | undefined, fail: boolean): Promise<void> {
    const lines = files.get(b.input_file_id)!.content.split("\n").filter((l) => l.trim());
    if (fail) {
      b.status = "failed";
      b.errors = { object: "list", data: [{ code: "invalid_request", message: "the batch failed (injected by the test)" }] };
      return;
    }
    b.status = "in_progress";
    const out: string[] = [];
    const err: string[] = [];
    for (const [i, text] of lines.entries()) {
      const line = JSON.parse(text) as { custom_id: string; body: unknown };
      const id = `batch_req_${b.id}_${i}`;
      if (expireAfter !== undefined && i >= expireAfter) {
        err.push(JSON.stringify({ id, custom_id: line.custom_id, response: null, error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." } }));
        continue;
      }
      // The live route answers: stage handlers, faults and token usage are the same as online.
      const res = await fetch(`${selfUrl}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(line.body) });
      const body = await res.json().catch(() => null);
      const record = JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: res.status, request_id: id, body }, error: null });
      (res.status === 200 ? out : err).push(record);
    }
    b.request_counts = { total: lines.length, completed: out.length, failed: err.length };
    if (out.length) b.output_file_id = addFile("batch_output", `${b.id}_output.jsonl`, out.join("\n") + "\n").id;
    if (err.length) b.error_file_id = addFile("batch_output", `${b.id}_error.jsonl`, err.join("\n") + "\n").id;
    b.status = expireAfter !== undefined ? "expired" : "completed";
  }

  const routes: ExtraRoutes = async (req, res, path, body) => {
    const selfUrl = `http://${req.headers.host}`;
    if (req.method === "POST" && path === "/v1/files") {
      const form = await new Response(body, { headers: { "content-type": String(req.headers["content-type"] ?? "") } }).formData().catch(() => null);
      const file = form?.get("file");
      const purpose = form?.get("purpose");
      if (!form || !(file instanceof Blob) || typeof purpose !== "string") {
        sendJson(res, 400, errorBody("expected a multipart form with 'file' and 'purpose'"));
        return true;
      }
      const f = addFile(purpose, (file as File).name ?? "upload.jsonl", await file.text());
      sendJson(res, 200, { id: f.id, object: "file", bytes: Buffer.byteLength(f.content), created_at: 0, filename: f.filename, purpose: f.purpose, status: "processed" });
      return true;
    }
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (req.method === "GET" && content) {
      const f = files.get(content[1]);
      if (!f) return notFound(res, `no file ${content[1]}`);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(Buffer.byteLength(f.content)) });
      res.end(f.content);
      return true;
    }
    if (req.method === "POST" && path === "/v1/batches") {
      let p: any;
      try {
        p = JSON.parse(body);
      } catch {
        p = undefined;
      }
      const input = p && files.get(p.input_file_id);
      if (!input || p.endpoint !== "/v1/chat/completions" || p.completion_window !== "24h") {
        sendJson(res, 400, errorBody("input_file_id must name an uploaded file; endpoint /v1/chat/completions; completion_window 24h"));
        return true;
      }
      const b: FakeBatch = {
        id: nextId("batch"),
        object: "batch",
        endpoint: p.endpoint,
        input_file_id: input.id,
        completion_window: "24h",
        status: "validating",
        output_file_id: null,
        error_file_id: null,
        errors: null,
        created_at: Math.floor(Date.now() / 1000),
        request_counts: { total: 0, completed: 0, failed: 0 },
      };
      batches.set(b.id, b);
      const lines = input.content.split("\n").filter((l: string) => l.trim());
      submissions.push({ batchId: b.id, customIds: lines.map((l: string) => JSON.parse(l).custom_id), bytes: Buffer.byteLength(input.content) });
      const fail = failLeft > 0 && failLeft-- > 0;
      const expire = !fail && expirePlan.length > 0 ? { after: expirePlan.shift() ?? Math.floor(lines.length / 2) } : undefined;
      const timer = setTimeout(() => {
        timers.delete(timer);
        const run = (held ?? Promise.resolve()).then(() => runBatch(b, selfUrl, expire?.after, fail)).catch((e) => {
          b.status = "failed";
          b.errors = { object: "list", data: [{ code: "server_error", message: String(e) }] };
        });
        running.add(run);
        void run.finally(() => running.delete(run));
      }, delayMs);
      timers.add(timer);
      sendJson(res, 200, b);
      return true;
    }
    const one = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (req.method === "GET" && one) {
      const b = batches.get(one[1]);
      if (!b) return notFound(res, `no batch ${one[1]}`);
      sendJson(res, 200, b);
      return true;
    }
    if (req.method === "GET" && path === "/v1/batches") {
      const data = [...batches.values()].reverse().slice(0, 20);
      sendJson(res, 200, { object: "list", data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
      return true;
    }
    return false;
  };

  return {
    routes,
    files,
    batches,
    submissions,
    setDelay(ms) {
      delayMs = ms;
    },
    hold() {
      held ??= new Promise<void>((r) => (releaseHeld = r));
    },
    release() {
      releaseHeld();
      held = undefined;
    },
    failNext(n = 1) {
      failLeft += n;
    },
    expireNext(n = 1, done) {
      for (let i = 0; i < n; i++) expirePlan.push(done);
    },
    async idle() {
      while (timers.size > 0 || running.size > 0 || [...batches.values()].some((b) => !TERMINAL.has(b.status))) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

function errorBody(message: string) {
  return { error: { message, type: "invalid_request_error", param: null, code: null } };
}

function notFound(res: http.ServerResponse, message: string): true {
  sendJson(res, 404, { error: { message, type: "invalid_request_error", param: null, code: "not_found" } });
  return true;
}

// --- test helpers: the stage server with the Batch API, and the pipeline on the batch engine ---

export async function startBatchServer(opts: FakeOpenAIOptions & FakeBatchApiOptions = {}): Promise<{ fake: FakeOpenAI; batch: FakeBatchApi; close(): Promise<void> }> {
  const batch = createFakeBatchApi(opts);
  const fake = await startStageServer({ ...opts, extraRoutes: batch.routes });
  return {
    fake,
    batch,
    async close() {
      batch.close();
      await fake.close();
    },
  };
}

/** Fast polling and flushing for tests. */
export const FAST: Partial<BatchEngineOptions> = { pollIntervalMs: 20, flushIntervalMs: 50, env: {} };

export async function runBatchOn(
  fake: FakeOpenAI,
  inputs: string[],
  out: string,
  engine: Partial<BatchEngineOptions> = {},
  layer: Record<string, unknown> = {},
): Promise<{ res: RunResult; log: string[] }> {
  const { llm: llmLayer, ...rest } = layer as { llm?: { defaults?: Record<string, unknown> } };
  const { config } = resolveRunConfig(
    {
      inputs,
      out,
      progress: "none",
      curate: { dedup: false, decontaminate: false, quality: false },
      ...rest,
      llm: { engine: "batch", timeoutMs: 120_000, maxRetries: 4, defaults: { baseUrl: [fake.url], model: "fake-model", ...(llmLayer?.defaults ?? {}) } },
    },
    { env: {} },
  );
  const log: string[] = [];
  const llm = await createBatchClient(config.llm, { ...FAST, stateDir: join(out, "state"), log: (m) => log.push(m), ...engine });
  try {
    return { res: await runPipeline(config, { llm, log: (m) => log.push(m) }), log };
  } finally {
    await llm.close();
  }
}

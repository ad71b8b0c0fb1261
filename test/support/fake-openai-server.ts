/**
 * A fake OpenAI-compatible server for tests and benchmarks: real HTTP on 127.0.0.1, port 0,
 * deterministic replies built from the request's JSON schema (or a handler per schema name),
 * token usage from the shared estimate, and fault injection (429/5xx, hangs, broken JSON,
 * refused response_format, context overflow, connection resets), and the answers of a server
 * that refuses the client: a wrong key (401), no access (403), an unknown model (404), as
 * vLLM and OpenAI word them.
 *
 * Prompt contract: the document sits in the first user message between "<document>\n" and
 * "\n</document>". The schema name comes from response_format.json_schema.name, or, without a
 * response_format, from the marker `matching the schema "<name>":` followed by the JSON schema.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { estimateTokens } from "../../src/util/tokens.js";
import { fnv1a32 } from "../../src/util/hash.js";
import { valueForSchema } from "./fake-schema-values.js";
import { policyReply, type PolicyModel } from "./fake-policy.js";

export interface FakeRequestContext {
  schemaName: string | undefined;
  jsonSchema: unknown | undefined;
  mode: "json_schema" | "prompt" | "none";
  messages: { role: string; content: string }[];
  /** Every user message's content, joined by blank lines. */
  userText: string;
  document: string | undefined;
  body: any;
  /** 0-based number of this chat-completion request since the server started. */
  index: number;
}
/** Returns the JSON value to send as the reply content (may return a promise). */
export type FakeHandler = (ctx: FakeRequestContext) => unknown;
export type FaultKind =
  | "401"
  | "429"
  | "500"
  | "503"
  | "hang"
  | "malformed"
  | "truncated_json"
  | "reject_response_format"
  | "context_length"
  | "reset"
  /** The model never stops writing: the reply runs until max_tokens (or the context) cuts it, with finish_reason "length". */
  | "loop"
  | "403"
  | "404";
export interface Fault {
  kind: FaultKind;
  /** How many matching requests this fault hits (default 1; Infinity = always). */
  times?: number;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
  match?: (ctx: FakeRequestContext) => boolean;
}
export interface RecordedRequest {
  path: string;
  /** The query string, without "?" (empty when none). */
  query?: string;
  schemaName?: string;
  mode: string;
  status: number;
  fault?: FaultKind;
  promptTokens: number;
  completionTokens: number;
  document?: string;
  /** The `n` the request asked for (absent = 1) and the choices answered. */
  n?: number;
  choices?: number;
  seed?: number;
}
/** The chat completion requests a fake server saw (not /v1/models, embeddings or batch routes). */
export function chatRequests(fake: Pick<FakeOpenAI, "requests">): RecordedRequest[] {
  return fake.requests.filter((r) => r.path.endsWith("/chat/completions"));
}

export interface FakeOpenAI {
  /** Base URL ending in /v1. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  addFault(f: Fault): void;
  clearFaults(): void;
  setHandler(schemaName: string, h: FakeHandler): void;
  close(): Promise<void>;
}
export interface FakeOpenAIOptions {
  handlers?: Record<string, FakeHandler>;
  /** Model name served by /v1/models and reported in replies (default "fake-model"). */
  model?: string;
  /** Further model names listed by /v1/models. */
  extraModels?: string[];
  /** Chat requests for a model not served get vLLM's 404 ("The model `x` does not exist."). */
  strictModels?: boolean;
  /** Every request must carry `Authorization: Bearer <apiKey>`; others get OpenAI's 401. */
  apiKey?: string;
  /** Every request gets a 403, as from a key without access. */
  forbidden?: boolean;
  /** No /v1/models route (404), as on servers that cannot list their models. */
  noModelsRoute?: boolean;
  /** Prompt tokens above this get a context-length error (default 32768). */
  contextTokens?: number;
  /** Always refuse response_format, like an old server. */
  rejectResponseFormat?: boolean;
  host?: string;
  /** Port to listen on (default 0 = any free port). */
  port?: number;
  /** Keep a record of every request in `requests` (default true; off for long benchmark runs). */
  recordRequests?: boolean;
  /**
   * Called before a successful chat reply is sent, e.g. by the simulated server to spend
   * latency and report cached prompt tokens; may instead answer with an error status.
   */
  beforeReply?: (info: ReplyInfo) => Promise<ReplyShape | void> | ReplyShape | void;
  /**
   * Extra routes (the Batch API of fake-batch-api.ts), tried before the 404; returns true
   * when it answered the request.
   */
  extraRoutes?: ExtraRoutes;
  /**
   * A policy answering plain-text requests (no schema) for the questions it knows, right
   * with a set probability per draw (fake-policy.ts). Questions it does not know get a
   * deterministic non-answer.
   */
  policy?: PolicyModel;
  /**
   * What the server does with `n` > 1: answer that many choices (default), refuse the request
   * with HTTP 400 like a server without `n`, or ignore it and answer one choice (llama.cpp, Ollama).
   */
  n?: "supported" | "refused" | "ignored";
}
export type ExtraRoutes = (req: http.IncomingMessage, res: http.ServerResponse, path: string, body: string) => boolean | Promise<boolean>;
export interface ReplyInfo {
  ctx: FakeRequestContext;
  promptTokens: number;
  /** All choices together. */
  completionTokens: number;
  /** Per choice (one entry per sequence the request runs). */
  choiceTokens: number[];
}
export interface ReplyShape {
  cachedTokens?: number;
  /** Answer with this error status (429 or 503) instead of the reply. */
  status?: 429 | 503;
}

const SCHEMA_MARKER = /matching the schema "([^"]+)":\n/;
const EMBEDDING_DIMS = 64;

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const model = opts.model ?? "fake-model";
  const contextTokens = opts.contextTokens ?? 32768;
  const handlers = new Map<string, FakeHandler>(Object.entries(opts.handlers ?? {}));
  const faults: { fault: Fault; left: number }[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let chatIndex = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, errorBody(`fake server error: ${String(err)}`, "server_error"));
      });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, text: string): Promise<void> {
    const [path = "/", query = ""] = (req.url ?? "/").split("?");
    const record = (r: Omit<RecordedRequest, "path" | "mode" | "promptTokens" | "completionTokens"> & Partial<RecordedRequest>) => {
      if (opts.recordRequests !== false) requests.push({ path, query, mode: "none", promptTokens: 0, completionTokens: 0, ...r });
    };

    if (req.method === "GET" && path === "/health") {
      record({ status: 200 });
      return sendJson(res, 200, { status: "ok" });
    }
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      record({ status: 401 });
      return sendRefusal(res, "401");
    }
    if (opts.forbidden) {
      record({ status: 403 });
      return sendRefusal(res, "403");
    }
    if (req.method === "GET" && path === "/v1/models" && !opts.noModelsRoute) {
      record({ status: 200 });
      const ids = [model, ...(opts.extraModels ?? [])];
      return sendJson(res, 200, { object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "fake" })) });
    }
    if (req.method === "POST" && path === "/v1/embeddings") {
      const body = parseBody(text);
      if (!body) {
        record({ status: 400 });
        return sendJson(res, 400, errorBody("request body is not JSON", "invalid_request_error"));
      }
      const inputs: string[] = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? "")];
      const tokens = inputs.reduce((n, s) => n + estimateTokens(s), 0);
      record({ status: 200, promptTokens: tokens });
      return sendJson(res, 200, {
        object: "list",
        data: inputs.map((s, index) => ({ object: "embedding", index, embedding: embed(s) })),
        model: body.model ?? model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    }
    if (req.method === "POST" && path === "/v1/chat/completions") {
      const body = parseBody(text);
      if (!body || !Array.isArray(body.messages)) {
        record({ status: 400 });
        return sendJson(res, 400, errorBody("messages must be an array", "invalid_request_error"));
      }
      return chat(body, res, record);
    }
    if (opts.extraRoutes && (await opts.extraRoutes(req, res, path, text))) return record({ status: res.statusCode });
    record({ status: 404 });
    sendJson(res, 404, errorBody(`no route ${req.method} ${path}`, "not_found"));
  }

  async function chat(body: any, res: http.ServerResponse, record: (r: any) => void): Promise<void> {
    const ctx = contextOf(body, chatIndex++);
    const promptTokens = ctx.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const base: Partial<RecordedRequest> = { schemaName: ctx.schemaName, mode: ctx.mode, promptTokens, document: ctx.document };
    const sentResponseFormat = body.response_format != null;
    const askedN = Number.isInteger(body.n) && body.n > 1 ? (body.n as number) : 1;
    const seed = typeof body.seed === "number" ? body.seed : undefined;
    base.n = askedN > 1 ? askedN : undefined;
    base.seed = seed;
    if (askedN > 1 && opts.n === "refused") {
      record({ ...base, status: 400 });
      return sendJson(res, 400, errorBody("n > 1 is not supported by this server: only one choice per request", "invalid_request_error"));
    }
    const choices = opts.n === "ignored" ? 1 : askedN;
    const fault = takeFault(ctx, sentResponseFormat);
    const served = [model, ...(opts.extraModels ?? [])];
    if (fault?.kind === "401" || fault?.kind === "403" || fault?.kind === "404" || (opts.strictModels && !served.includes(body.model))) {
      const kind = (fault?.kind ?? "404") as "401" | "403" | "404";
      record({ ...base, status: Number(kind), fault: fault?.kind });
      return sendRefusal(res, kind, String(body.model));
    }

    if (fault?.kind === "429") {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      record({ ...base, status: 429, fault: "429" });
      return sendJson(res, 429, errorBody("Rate limit reached, slow down", "rate_limit_exceeded"), headers);
    }
    if (fault?.kind === "500" || fault?.kind === "503") {
      const status = Number(fault.kind);
      record({ ...base, status, fault: fault.kind });
      return sendJson(res, status, errorBody(status === 500 ? "internal server error" : "service unavailable", "server_error"));
    }
    if (fault?.kind === "hang") {
      // Never answer; the client's timeout gives up, and close() destroys the socket.
      record({ ...base, status: 0, fault: "hang" });
      return;
    }
    if (fault?.kind === "reject_response_format" || (opts.rejectResponseFormat && sentResponseFormat)) {
      record({ ...base, status: 400, fault: "reject_response_format" });
      return sendJson(res, 400, errorBody("response_format is not supported by this server", "invalid_request_error"));
    }
    if (fault?.kind === "context_length" || promptTokens > contextTokens) {
      record({ ...base, status: 400, fault: fault?.kind === "context_length" ? "context_length" : undefined });
      return sendJson(res, 400, {
        error: {
          message: `This model's maximum context length is ${contextTokens} tokens. However, your messages resulted in ${promptTokens} tokens.`,
          type: "invalid_request_error",
          param: "messages",
          code: "context_length_exceeded",
        },
      });
    }

    // Like a real server: a reply longer than max_tokens (or than the context left) stops there.
    const limit = Math.min(Number(body.max_completion_tokens ?? body.max_tokens) || Infinity, contextTokens - promptTokens);
    const contents: string[] = [];
    if (fault?.kind === "loop") {
      contents.push(`{"question": "${"and then the same clause again, ".repeat(limit + 1)}`);
    } else if (fault?.kind === "malformed") {
      contents.push("Sure! Here is what I think about the document: it looks fine to me, nothing more to add.");
    } else if (ctx.mode === "none" && opts.policy) {
      // A policy's rollouts: choice i is draw seed + i (as vLLM seeds the choices of one request).
      const known = opts.policy(ctx.userText);
      for (let i = 0; i < choices; i++) contents.push(known ? policyReply(known, (seed ?? 0) + i) : "I cannot tell from the question alone.");
    } else {
      const handler = ctx.schemaName !== undefined ? handlers.get(ctx.schemaName) : undefined;
      const value = handler ? await handler(ctx) : valueForSchema(ctx.jsonSchema, ctx.document ?? ctx.userText);
      let content = JSON.stringify(value);
      if (fault?.kind === "truncated_json") content = content.slice(0, Math.floor(content.length / 2));
      contents.push(content);
    }
    while (contents.length < choices) contents.push(contents[0]!);
    const finishReasons = contents.map(() => "stop");
    contents.forEach((c, i) => {
      if (estimateTokens(c) > limit) {
        contents[i] = cutToTokens(c, limit);
        finishReasons[i] = "length";
      }
    });
    const choiceTokens = contents.map((c) => estimateTokens(c));
    const completionTokens = choiceTokens.reduce((a, b) => a + b, 0);
    const shape = (await opts.beforeReply?.({ ctx, promptTokens, completionTokens, choiceTokens })) ?? {};
    if (shape.status) {
      record({ ...base, status: shape.status });
      return sendJson(res, shape.status, errorBody(shape.status === 429 ? "Rate limit reached, slow down" : "service unavailable", shape.status === 429 ? "rate_limit_exceeded" : "server_error"));
    }
    const reply = {
      id: `chatcmpl-${fnv1a32(JSON.stringify(body)).toString(16)}`,
      object: "chat.completion",
      created: 0,
      model: typeof body.model === "string" && body.model ? body.model : model,
      choices: contents.map((content, index) => ({ index, message: { role: "assistant", content }, finish_reason: finishReasons[index], logprobs: null })),
      usage: {
        // As OpenAI counts it: the prompt once, however many choices.
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: shape.cachedTokens ?? 0 },
      },
    };
    if (fault?.kind === "reset") {
      // Headers and half the body, then the connection drops.
      record({ ...base, status: 200, fault: "reset", completionTokens });
      const text = JSON.stringify(reply);
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
      res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
      return;
    }
    record({ ...base, status: 200, fault: fault?.kind, completionTokens, choices: contents.length });
    sendJson(res, 200, reply);
  }

  function takeFault(ctx: FakeRequestContext, sentResponseFormat: boolean): Fault | undefined {
    for (const entry of faults) {
      if (entry.left <= 0) continue;
      // Refusing response_format only makes sense when one was sent.
      if (entry.fault.kind === "reject_response_format" && !sentResponseFormat) continue;
      if (entry.fault.match && !entry.fault.match(ctx)) continue;
      entry.left -= 1;
      return entry.fault;
    }
    return undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? "127.0.0.1";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/v1`,
    port,
    requests,
    addFault(f) {
      faults.push({ fault: f, left: f.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    setHandler(schemaName, h) {
      handlers.set(schemaName, h);
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy(); // hung requests would otherwise keep close() waiting
        server.close(() => resolve());
      });
    },
  };
}

/** The longest prefix of `text` within `tokens` by the shared estimate. */
function cutToTokens(text: string, tokens: number): string {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateTokens(text.slice(0, mid)) <= tokens) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}

function parseBody(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** The refusals real servers send: OpenAI's 401/403 wording, vLLM's 404 for an unknown model. */
function sendRefusal(res: http.ServerResponse, kind: "401" | "403" | "404", model = "fake-model"): void {
  if (kind === "401") {
    return sendJson(res, 401, { error: { message: "Incorrect API key provided: sk-wr***ng. You can find your API key at https://platform.openai.com/account/api-keys.", type: "invalid_request_error", param: null, code: "invalid_api_key" } });
  }
  if (kind === "403") {
    return sendJson(res, 403, { error: { message: "You are not allowed to sample from this model", type: "invalid_request_error", param: null, code: "model_not_allowed" } });
  }
  sendJson(res, 404, { object: "error", message: `The model \`${model}\` does not exist.`, type: "NotFoundError", param: null, code: 404 });
}

function errorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: type } };
}

/** Message content as plain text: strings as they are, content-part arrays by their text parts. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p === "object" && typeof (p as any).text === "string" ? (p as any).text : "")).join("");
  }
  return "";
}

function contextOf(body: any, index: number): FakeRequestContext {
  const messages = (body.messages as any[]).map((m) => ({ role: String(m?.role ?? ""), content: contentText(m?.content) }));
  const users = messages.filter((m) => m.role === "user");
  const userText = users.map((m) => m.content).join("\n\n");
  let document: string | undefined;
  const first = users[0]?.content;
  if (first !== undefined) {
    const start = first.indexOf("<document>\n");
    const end = start >= 0 ? first.indexOf("\n</document>", start + 11) : -1;
    if (start >= 0 && end >= 0) document = first.slice(start + 11, end);
  }
  let schemaName: string | undefined;
  let jsonSchema: unknown;
  let mode: FakeRequestContext["mode"] = "none";
  const rf = body.response_format;
  if (rf && rf.type === "json_schema" && rf.json_schema) {
    mode = "json_schema";
    schemaName = rf.json_schema.name;
    jsonSchema = rf.json_schema.schema;
  } else {
    for (const m of [...users].reverse()) {
      const found = SCHEMA_MARKER.exec(m.content);
      if (!found) continue;
      mode = "prompt";
      schemaName = found[1];
      jsonSchema = firstJsonObject(m.content.slice(found.index + found[0].length));
      break;
    }
  }
  return { schemaName, jsonSchema, mode, messages, userText, document, body, index };
}

/** The first balanced {...} in a text, parsed; undefined when there is none. */
function firstJsonObject(text: string): unknown {
  const start = text.indexOf("{");
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return parseBody(text.slice(start, i + 1));
  }
  return undefined;
}

/** A hashed bag-of-words vector, L2-normalised: similar texts get similar vectors. */
function embed(text: string): number[] {
  const v = new Array<number>(EMBEDDING_DIMS).fill(0);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = fnv1a32(w);
    v[h % EMBEDDING_DIMS] += h & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...v);
  return norm > 0 ? v.map((x) => x / norm) : v;
}

/**
 * The reward HTTP server (node:http): OpenRLHF's `POST /get_reward`, the batch `POST /score`
 * for verl and TRL, `GET /health`, `GET /stats`. Requests run concurrently; at most `maxQueue`
 * are admitted at once (the rest get 503 with Retry-After), so a slow judge cannot pile up
 * unbounded work. A request takes its slot only once its body has been read, within
 * `bodyTimeoutMs` (else 408): clients trickling bytes hold a socket, never a slot. Malformed
 * bodies get a 4xx JSON error naming the field; a request whose items needed a judge that failed
 * gets 502 `judge_failed`, never scores of 0 that look like rewards.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { LatencyWindow } from "./latency.js";
import { BadRequest, parseGetReward, parseScoreBatch } from "./protocol.js";
import type { RewardInput, RewardResult, Scorer } from "./score.js";

export interface RewardServerOptions {
  scorer: Scorer;
  host?: string;
  port?: number;
  /** Requests admitted at once (in progress, typically waiting on the judge); more get 503. */
  maxQueue?: number;
  /** Largest accepted body in bytes (default 32 MiB). */
  maxBodyBytes?: number;
  /** Largest batch (default 100,000 items). */
  maxItems?: number;
  /** Time allowed to receive a request body, from its headers on (default 30 s); slower gets 408. */
  bodyTimeoutMs?: number;
}

export interface RewardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // drain, so the client can finish sending and read the 413
      return reject(new HttpError(413, "too_large", `body of ${declared} bytes exceeds the limit of ${limit}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      req.removeAllListeners("data");
      reject(new HttpError(408, "body_timeout", `the request body did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        clearTimeout(timer);
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, "too_large", `body exceeds the limit of ${limit} bytes`));
      } else chunks.push(c);
    });
    req.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, "bad_json", `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export async function startRewardServer(opts: RewardServerOptions): Promise<RewardServer> {
  const { scorer } = opts;
  const maxQueue = opts.maxQueue ?? 256;
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const maxItems = opts.maxItems ?? 100_000;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? 30_000;
  let inFlight = 0;
  let reading = 0;
  const counts = { requests: 0, get_reward: 0, score: 0, items: 0, rejected_queue_full: 0, body_timeouts: 0, judge_failed: 0, bad_requests: 0, server_errors: 0 };
  const latency = new LatencyWindow();
  const startedAt = Date.now();

  function parseItems(text: string, parse: (b: unknown, max: number) => RewardInput[]): RewardInput[] {
    try {
      return parse(parseJson(text), maxItems);
    } catch (err) {
      if (err instanceof BadRequest) throw new HttpError(400, "bad_request", err.message, err.field);
      throw err;
    }
  }

  /** Scores the items; when the judge failed for any of them, the request fails rather than returning fake zeros. */
  async function scoreItems(items: RewardInput[]): Promise<RewardResult[]> {
    counts.items += items.length;
    const results = await scorer.scoreBatch(items);
    const failed = results.flatMap((r, i) => (r.judge_error ? [i] : []));
    if (failed.length) {
      counts.judge_failed++;
      const first = results[failed[0]];
      throw new HttpError(502, "judge_failed", `the judge failed (${first.judge_error_kind}) for ${failed.length} of ${results.length} items, so they have no reward: ${first.judge_error}`, undefined, {
        kind: first.judge_error_kind,
        failed_items: failed,
      });
    }
    return results;
  }

  function health() {
    const judge = scorer.opts.judge;
    const j = judge?.counts();
    return {
      status: j?.degraded ? "degraded" : "ok",
      judge: judge !== undefined,
      ...(j ? { judge_errors: j.errors_by_kind, last_judge_error: j.last_error } : {}),
      in_flight: inFlight,
      reading_bodies: reading,
      max_queue: maxQueue,
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? "/").split("?")[0];
    counts.requests++;
    if (url === "/health") {
      if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method_not_allowed", "use GET /health");
      return send(res, 200, health());
    }
    if (url === "/stats") {
      if (req.method !== "GET") throw new HttpError(405, "method_not_allowed", "use GET /stats");
      return send(res, 200, {
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        status: health().status,
        server: { ...counts, in_flight: inFlight, reading_bodies: reading, max_queue: maxQueue, request_latency: latency.percentiles() },
        ...scorer.stats(),
      });
    }
    if (url !== "/get_reward" && url !== "/score") throw new HttpError(404, "not_found", `no route ${url}; routes: POST /get_reward, POST /score, GET /health, GET /stats`);
    if (req.method !== "POST") throw new HttpError(405, "method_not_allowed", `use POST ${url}`);
    // The body first, outside the queue: a client that trickles its bytes holds a socket, not a slot.
    reading++;
    let text: string;
    try {
      text = await readBody(req, maxBody, bodyTimeoutMs);
    } finally {
      reading--;
    }
    if (inFlight >= maxQueue) {
      counts.rejected_queue_full++;
      return send(res, 503, { error: "queue_full", message: `${inFlight} requests in progress (max ${maxQueue}); retry shortly` }, { "retry-after": "1" });
    }
    inFlight++;
    const t0 = performance.now();
    try {
      if (url === "/get_reward") {
        counts.get_reward++;
        const results = await scoreItems(parseItems(text, parseGetReward));
        const scores = results.map((r) => r.score);
        send(res, 200, {
          rewards: scores,
          scores,
          // Per-sample numbers: OpenRLHF turns each list into a tensor and logs its mean.
          extra_logs: {
            rule_decided: results.map((r) => (r.decided_by !== "judge" && r.decided_by !== "none" ? 1 : 0)),
            judge_decided: results.map((r) => (r.decided_by === "judge" ? 1 : 0)),
            undecided: results.map((r) => (r.decided_by === "none" ? 1 : 0)),
          },
        });
      } else {
        counts.score++;
        const results = await scoreItems(parseItems(text, parseScoreBatch));
        send(res, 200, { scores: results.map((r) => r.score), details: results });
      }
    } finally {
      inFlight--;
      latency.add(performance.now() - t0);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof HttpError) {
        if (err.status === 408) counts.body_timeouts++;
        else if (err.status < 500) counts.bad_requests++;
        const body: Record<string, unknown> = { error: err.code, message: err.message, ...err.extra };
        if (err.field) body.field = err.field;
        // A body too slow to arrive is not waited for: answer, then drop the connection.
        if (err.status === 408) res.on("finish", () => req.socket.destroy());
        send(res, err.status, body, err.status === 413 || err.status === 408 ? { connection: "close" } : {});
      } else {
        counts.server_errors++;
        send(res, 500, { error: "internal", message: err instanceof Error ? err.message : String(err) });
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8000, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

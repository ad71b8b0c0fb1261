/**
 * The reward HTTP server (node:http): OpenRLHF's `POST /get_reward`, the batch `POST /score`
 * for verl and TRL, `GET /health`, `GET /stats`. Requests run concurrently; at most `maxQueue`
 * are admitted at once (the rest get 503 with Retry-After), so a slow judge cannot pile up
 * unbounded work. Malformed bodies get a 4xx JSON error naming the field.
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
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // drain, so the client can finish sending and read the 413
      return reject(new HttpError(413, "too_large", `body of ${declared} bytes exceeds the limit of ${limit}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, "too_large", `body exceeds the limit of ${limit} bytes`));
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
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
  let inFlight = 0;
  const counts = { requests: 0, get_reward: 0, score: 0, items: 0, rejected_queue_full: 0, bad_requests: 0, server_errors: 0 };
  const latency = new LatencyWindow();
  const startedAt = Date.now();

  async function scoreRoute(req: http.IncomingMessage, parse: (b: unknown, max: number) => RewardInput[]): Promise<RewardResult[]> {
    const body = parseJson(await readBody(req, maxBody));
    let items: RewardInput[];
    try {
      items = parse(body, maxItems);
    } catch (err) {
      if (err instanceof BadRequest) throw new HttpError(400, "bad_request", err.message, err.field);
      throw err;
    }
    counts.items += items.length;
    return scorer.scoreBatch(items);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? "/").split("?")[0];
    counts.requests++;
    if (url === "/health") {
      if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method_not_allowed", "use GET /health");
      return send(res, 200, { status: "ok", judge: scorer.opts.judge !== undefined, in_flight: inFlight, max_queue: maxQueue });
    }
    if (url === "/stats") {
      if (req.method !== "GET") throw new HttpError(405, "method_not_allowed", "use GET /stats");
      return send(res, 200, {
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        server: { ...counts, in_flight: inFlight, max_queue: maxQueue, request_latency: latency.percentiles() },
        ...scorer.stats(),
      });
    }
    if (url !== "/get_reward" && url !== "/score") throw new HttpError(404, "not_found", `no route ${url}; routes: POST /get_reward, POST /score, GET /health, GET /stats`);
    if (req.method !== "POST") throw new HttpError(405, "method_not_allowed", `use POST ${url}`);
    if (inFlight >= maxQueue) {
      counts.rejected_queue_full++;
      req.resume();
      return send(res, 503, { error: "queue_full", message: `${inFlight} requests in progress (max ${maxQueue}); retry shortly` }, { "retry-after": "1" });
    }
    inFlight++;
    const t0 = performance.now();
    try {
      if (url === "/get_reward") {
        counts.get_reward++;
        const results = await scoreRoute(req, parseGetReward);
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
        const results = await scoreRoute(req, parseScoreBatch);
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
        if (err.status < 500) counts.bad_requests++;
        const body: Record<string, unknown> = { error: err.code, message: err.message };
        if (err.field) body.field = err.field;
        send(res, err.status, body, err.status === 413 ? { connection: "close" } : {});
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

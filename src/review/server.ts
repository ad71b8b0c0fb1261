/**
 * The review server: plain node:http, one page, two JSON routes. Pairs and documents are
 * untrusted web text and the server may write to the run directory, so:
 * - it binds 127.0.0.1 unless told otherwise, and then every page load needs the access key
 *   printed in the URL;
 * - on loopback, the Host header must name this server (a DNS-rebinding page cannot reach it);
 * - the routes need the per-session token that only the served page knows;
 * - every response carries a strict CSP and no-sniff / no-frame headers.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, resolve } from "node:path";
import { z } from "zod";
import { appendDecision, readDecisions, REJECT_REASONS, type ReviewDecision } from "./decisions.js";
import type { LoadedItems } from "./items.js";
import { renderReviewPage, REVIEW_CSP } from "./page.js";
import { promoteToDemos } from "./promote.js";

export interface ReviewServerOptions {
  dir: string;
  loaded: LoadedItems;
  reviewer: string;
  host?: string;
  port?: number;
  /** Fixed tokens for tests; random otherwise. */
  accessKey?: string;
  sessionToken?: string;
  /** Folder to promote accepted pairs into as demonstrations (`--demos-out`). */
  demosOut?: string;
  /** Clock for decision times (tests pin it). */
  now?: () => Date;
}

export interface ReviewServer {
  server: Server;
  /** The URL to open (with ?key= when the server is not bound to loopback). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
const MAX_BODY = 64 * 1024;

const DecisionRequest = z.object({
  id: z.string().min(1),
  decision: z.enum(["accept", "reject", "edit", "retract"]),
  reason: z.string().max(200).optional(),
  question: z.string().min(1).max(20_000).optional(),
  answer: z.string().min(1).max(5_000).optional(),
});

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith("127.");
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "content-type": type,
    "content-security-policy": REVIEW_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "cross-origin-resource-policy": "same-origin",
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        fail(new Error("request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

export async function startReviewServer(opts: ReviewServerOptions): Promise<ReviewServer> {
  const host = opts.host ?? "127.0.0.1";
  const loopback = isLoopback(host);
  const accessKey = opts.accessKey ?? randomBytes(18).toString("base64url");
  const token = opts.sessionToken ?? randomBytes(24).toString("base64url");
  const now = opts.now ?? (() => new Date());
  const items = opts.loaded.items;
  const ids = new Set(items.map((i) => i.id));
  const title = `review: ${basename(resolve(opts.dir))}`;
  const page = renderReviewPage({ token, title });
  let port = opts.port ?? 0;

  // On loopback the Host header must name us (a DNS-rebinding page cannot reach the server);
  // on another address the name users type varies (0.0.0.0 is reached by any of the
  // machine's names) and the access key is the guard.
  const hostAllowed = (h: string | undefined) => !loopback || ["127.0.0.1", "localhost", "[::1]"].some((n) => h === `${n}:${port}`);

  function mine(): Record<string, ReviewDecision> {
    const log = readDecisions(opts.dir);
    const out: Record<string, ReviewDecision> = {};
    for (const id of ids) {
      const d = log.byId.get(id)?.get(opts.reviewer);
      if (d) out[id] = d;
    }
    return out;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host)) return json(res, 421, { error: "unexpected Host header: open the URL the review command printed" });
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    if (url.pathname === "/" && req.method === "GET") {
      if (!loopback && !same(url.searchParams.get("key") ?? "", accessKey)) {
        return send(res, 403, "text/plain; charset=utf-8", "403: this review server needs its access key: open the URL with ?key=… that `webscale-rl review` printed\n");
      }
      return send(res, 200, "text/html; charset=utf-8", page);
    }
    if (!url.pathname.startsWith("/api/")) return json(res, 404, { error: "not found" });
    // Every API call, reads included, needs the page's session token: the pairs are the
    // user's data, and a token in a header cannot be sent by another site's form or image.
    if (!same(String(req.headers["x-review-token"] ?? ""), token)) return json(res, 403, { error: "missing or wrong session token: reload the review page" });
    if (url.pathname === "/api/items" && req.method === "GET") {
      const note = `${opts.loaded.keptTotal} kept and ${opts.loaded.rejectedTotal} rejected pairs in the directory; ${items.length} to review`;
      return json(res, 200, { items, decisions: mine(), reasons: REJECT_REASONS, reviewer: opts.reviewer, note, demos: Boolean(opts.demosOut) });
    }
    if (url.pathname === "/api/decision" && req.method === "POST") {
      if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return json(res, 415, { error: "send JSON" });
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        return json(res, 400, { error: `bad request body: ${(e as Error).message}` });
      }
      const p = DecisionRequest.safeParse(body);
      if (!p.success) return json(res, 400, { error: p.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
      const r = p.data;
      if (!ids.has(r.id)) return json(res, 404, { error: `no pair ${r.id} in this review` });
      if (r.decision === "reject" && !(REJECT_REASONS as readonly string[]).includes(r.reason ?? "")) {
        return json(res, 400, { error: `a rejection needs one of the reasons ${REJECT_REASONS.join(", ")}` });
      }
      if (r.decision === "edit" && r.question === undefined && r.answer === undefined) return json(res, 400, { error: "an edit needs a question or an answer" });
      const d: ReviewDecision = { id: r.id, decision: r.decision, reviewer: opts.reviewer, at: now().toISOString() };
      if (r.decision === "reject") d.reason = r.reason;
      if (r.decision === "edit") {
        if (r.question !== undefined) d.question = r.question;
        if (r.answer !== undefined) d.answer = r.answer;
      }
      appendDecision(opts.dir, d);
      return json(res, 200, { ok: true, decision: d });
    }
    if (url.pathname === "/api/promote" && req.method === "POST") {
      if (!opts.demosOut) return json(res, 400, { error: "start the review with --demos-out DIR to promote pairs to demonstrations" });
      let id: unknown;
      try {
        id = (JSON.parse(await readBody(req)) as { id?: unknown }).id;
      } catch (e) {
        return json(res, 400, { error: `bad request body: ${(e as Error).message}` });
      }
      const item = items.find((i) => i.id === id);
      if (!item) return json(res, 404, { error: `no pair ${String(id)} in this review` });
      try {
        const file = promoteToDemos(opts.demosOut, item, readDecisions(opts.dir).byId.get(item.id)?.get(opts.reviewer));
        return json(res, 200, { ok: true, file });
      } catch (e) {
        return json(res, 409, { error: (e as Error).message });
      }
    }
    return json(res, 404, { error: "not found" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: (e as Error).message });
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/` + (loopback ? "" : `?key=${accessKey}`);
  return {
    server,
    url,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

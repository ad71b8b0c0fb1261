/**
 * What a failed remote request means, decided in one place for every store: transient
 * (retry with backoff), a changed file (the pinned version is gone), or permanent. The
 * stores turn permanent access problems into `ConfigError`s that say what to do.
 */
import { ConfigError } from "../../config/load.js";

/** The remote file no longer has the ETag/version this run pinned: its old bytes cannot be read. */
export class ChangedFileError extends Error {
  constructor(
    readonly url: string,
    readonly was: string,
    readonly now?: string,
  ) {
    super(`${url} changed since this run first listed it (ETag ${was}${now ? ` → ${now}` : ""})`);
    this.name = "ChangedFileError";
  }
}

/** An HTTP answer with an error status, from our own fetch calls (https:// inputs). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status} from ${url}`);
    this.name = "HttpStatusError";
  }
}

/** The HTTP status behind an error of any of the clients, when there is one. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; statusCode?: unknown; status?: unknown };
  const s = e?.$metadata?.httpStatusCode ?? e?.statusCode ?? e?.status;
  return typeof s === "number" ? s : undefined;
}

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);
const TRANSIENT_NAMES = new Set(["TimeoutError", "AbortError", "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "ThrottlingException", "RequestTimeTooSkewed"]);
const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Resets, timeouts, 5xx and throttling: worth another try after a pause. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ChangedFileError || err instanceof ConfigError) return false;
  const status = statusOf(err);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
    if (typeof name === "string" && TRANSIENT_NAMES.has(name)) return true;
    // undici reports a body cut short as `TypeError: terminated`, a failed connection as `fetch failed`.
    if (typeof message === "string" && /^(terminated|fetch failed|other side closed|socket hang up|aborted)$/i.test(message)) return true;
  }
  return false;
}

/** One line, without secrets, for a rejection's detail or an error message. */
export function remoteDetail(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; cause?: { code?: unknown; message?: unknown } };
  const status = statusOf(err);
  let msg = typeof e?.message === "string" ? e.message : String(err);
  // Hub errors end with "URL: …. Request ID: …": the URL may be a signed CDN link.
  msg = msg.replace(/\.?\s*URL: \S+/g, "").replace(/https?:\/\/[^\s?]+\?\S+/g, (u) => u.slice(0, u.indexOf("?")));
  const cause = e?.cause && typeof e.cause.code === "string" ? ` (${e.cause.code})` : "";
  const name = typeof e?.name === "string" && e.name !== "Error" && !msg.includes(e.name) ? `${e.name}: ` : "";
  const text = `${status ? `HTTP ${status}: ` : ""}${name}${msg}${cause}`.replace(/\s+/g, " ").trim();
  return text.length > 300 ? text.slice(0, 297) + "..." : text;
}

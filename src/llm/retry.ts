/**
 * What to do about a failed model request: retry (with how long to wait), fail the document
 * (context too long), switch to prompt-embedded schemas (response_format refused), or give up.
 */
import { APIError } from "openai";

export type FailureKind =
  | "retryable" // 408/409/429/5xx, network errors, timeouts
  | "context_length" // the prompt does not fit: no retry can help
  | "response_format" // the server refuses structured output: fall back to prompt mode
  | "refused" // 401/403/404: a bad key, no access or an unknown model; every request would get the same, so the run stops
  | "fatal"; // any other 4xx: retrying would only repeat it

export interface Failure {
  kind: FailureKind;
  status?: number;
  /** The request hit the per-request timeout. */
  timeout: boolean;
  /** Wait the server asked for, from retry-after-ms / retry-after. */
  retryAfterMs?: number;
  message: string;
}

const CONTEXT_MESSAGE = /maximum context length|context length|too many tokens|prompt is too long|exceeds the context/i;
const RESPONSE_FORMAT_MESSAGE = /response_format|json_schema|guided|not supported/i;
/** Network error codes, in the words a user reads. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EAI_AGAIN: "host name lookup failed (temporarily)",
  ENOTFOUND: "host not found",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CLOSED: "connection closed",
};

export function classifyFailure(err: unknown, timedOut: boolean): Failure {
  if (timedOut) return { kind: "retryable", timeout: true, message: "request timed out" };
  if (err instanceof APIError && typeof err.status === "number") {
    const status = err.status;
    const message = apiMessage(err);
    const code = (err.code ?? (err.error as any)?.code ?? "") as string;
    if ((status === 400 || status === 413 || status === 422) && (code === "context_length_exceeded" || CONTEXT_MESSAGE.test(message))) {
      return { kind: "context_length", status, timeout: false, message };
    }
    if ((status === 400 || status === 422) && RESPONSE_FORMAT_MESSAGE.test(message)) {
      return { kind: "response_format", status, timeout: false, message };
    }
    if (status === 401 || status === 403 || status === 404) return { kind: "refused", status, timeout: false, message };
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return { kind: "retryable", status, timeout: false, retryAfterMs: retryAfterMs(err.headers), message };
    }
    return { kind: "fatal", status, timeout: false, message };
  }
  // No HTTP status: a connection error, a reset mid-body, or an unparseable body.
  return { kind: "retryable", timeout: false, message: describeNetworkError(err) };
}

function apiMessage(err: APIError): string {
  const body = err.error as any;
  if (body && typeof body.message === "string") return body.message;
  return err.message;
}

/** "connection refused" and the like when a known network code is found in the error's causes, else the messages. */
export function describeNetworkError(err: unknown): string {
  const parts: string[] = [];
  let e: any = err;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause) {
    if (typeof e.code === "string" && e.code in NETWORK_CODES) return NETWORK_CODES[e.code]!;
    if (typeof e.message === "string" && e.message) parts.push(e.message);
  }
  return parts.length ? [...new Set(parts)].join(": ") : String(err);
}

/** The wait a 429/503 asked for: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers.get("retry-after");
  if (after === null || after.trim() === "") return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/**
 * Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)], so many
 * clients that failed together do not retry together. A server-given wait takes precedence
 * (capped at a minute, so a bad header cannot stall a run).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, serverWaitMs?: number, random = Math.random): number {
  if (serverWaitMs !== undefined) return Math.min(serverWaitMs, 60_000);
  return Math.floor(random() * Math.min(opts.capMs, opts.baseMs * 2 ** attempt));
}

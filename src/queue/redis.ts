/** Redis connections for the queue: reaching Redis (or saying at once why not), one client per role, as BullMQ wants them. */
import { Redis } from "ioredis";
import { ConfigError } from "../config/load.js";

/** Checks a --redis URL before any connection is attempted. */
export function checkRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--redis takes a URL such as redis://127.0.0.1:6379 (got "${url}")`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw new ConfigError(`--redis must start with redis:// or rediss:// (got "${parsed.protocol}//")`);
  return url;
}

/** The URL as it may be printed: a password (redis://:secret@host) is never shown. */
export function printableRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) (u.username = u.username ? "***" : ""), (u.password = u.password ? "***" : "");
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, "//***@");
  }
}

/** Errors that only say the connection to Redis is down (reported once per outage, not per retry). */
export function isConnectionError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"].includes(e?.code ?? "") ||
    /Connection is closed|connect ETIMEDOUT|Stream isn't writeable|max retries per request/i.test(e?.message ?? "")
  );
}

export interface ConnectOptions {
  /**
   * "worker": BullMQ blocks on it, so a command waits through an outage (BullMQ requires
   * maxRetriesPerRequest: null). "client" (submit, status): a command fails once the
   * connection has failed twice, so a lost Redis ends the command instead of hanging it.
   */
  role: "worker" | "client";
  log?: (m: string) => void;
}

/** A Redis client; connection errors are reported once per outage instead of on every reconnect attempt. */
export function connectRedis(url: string, opts: ConnectOptions): Redis {
  const client = new Redis(checkRedisUrl(url), {
    maxRetriesPerRequest: opts.role === "worker" ? null : 2,
    connectTimeout: 5000,
    enableReadyCheck: true,
  });
  // Before the first connection, reachRedis says what is wrong; after it, each outage is one line.
  let down = true;
  client.on("error", (err: Error) => {
    if (!down) opts.log?.(`redis: ${err.message} at ${printableRedisUrl(url)} (reconnecting)`);
    down = true;
  });
  client.on("ready", () => (down = false));
  return client;
}

/**
 * Waits until the client is connected, or fails within `timeoutMs` with one line that names
 * the URL, the cause and the fix (the client is then disconnected). Every queue command calls
 * it before any work, so an unreachable Redis never shows up as a hang or a stack trace.
 */
export async function reachRedis(client: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let lastError: Error | undefined;
  const onError = (err: Error) => (lastError = err);
  client.on("error", onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    const reached = await Promise.race([
      client.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    if (reached) return;
  } finally {
    clearTimeout(timer);
    client.off("error", onError);
  }
  client.disconnect();
  const cause = lastError?.message ?? `no answer in ${Math.round(timeoutMs / 1000)} s`;
  throw new ConfigError(`cannot reach Redis at ${printableRedisUrl(url)} (${cause}): start redis-server there, or fix --redis`);
}

/**
 * The one line for a queue command whose Redis went away part-way (or any other error,
 * passed through): what happened and what to do.
 */
export function explainRedisFailure(err: unknown, client: Redis, url: string, then: string): Error {
  if (!isConnectionError(err) && client.status === "ready") return err as Error;
  return new ConfigError(`lost the connection to Redis at ${printableRedisUrl(url)} (${(err as Error).message}): ${then}`);
}

/**
 * BullMQ prints an 'error' event that has no listener as a stack trace. The client's own
 * listener (connectRedis) already reports an outage once; other errors go to `log`.
 */
export function quietConnectionErrors(emitter: { on(event: "error", fn: (err: Error) => void): unknown }, log: (m: string) => void = () => {}): void {
  emitter.on("error", (err) => {
    if (!isConnectionError(err)) log(`queue: ${err.message}`);
  });
}

/**
 * Gives up on a Redis call after `ms` (resolving undefined): for the calls a stopping worker
 * makes, which would otherwise wait for an unreachable Redis forever. What they would have
 * done (release a lock, put a chunk back) then happens by expiry: see docs/scale-out.md.
 */
export async function withinMs<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Names of the keys this project keeps next to BullMQ's own, per queue. */
export function queueKeys(queue: string) {
  const base = `wsrl:${queue}`;
  return {
    /** Hash: runId → the stored run layer (JSON, without API keys). */
    runs: `${base}:runs`,
    /** Hash: chunkId → JSON summary of the finished chunk (documents, pairs, seconds...). */
    chunksDone: `${base}:chunks-done`,
    /** Hash: chunkId → JSON progress of a chunk in work. */
    chunksActive: `${base}:chunks-active`,
    /** Hash: chunkId → documents counted at submit (idempotent under resubmission). */
    chunkDocs: `${base}:chunk-docs`,
    /** String: ms timestamp of the first chunk started (for throughput). */
    startedAt: `${base}:started-at`,
    /** One lock per chunk, held while a worker runs it. */
    lock: (chunkId: string) => `${base}:lock:${chunkId}`,
    /** Sorted set: the shared rate limit's request log. */
    rate: `${base}:rate`,
  };
}

export const DEFAULT_QUEUE = "webscale-rl";

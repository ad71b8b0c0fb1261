/** Redis connections for the queue: one ioredis client per role, as BullMQ wants them. */
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

/**
 * A client BullMQ can block on (it needs maxRetriesPerRequest: null). Connection errors are
 * reported once per outage instead of on every reconnect attempt.
 */
export function connectRedis(url: string, log: (m: string) => void = () => {}): Redis {
  const client = new Redis(checkRedisUrl(url), { maxRetriesPerRequest: null, enableReadyCheck: true });
  let down = false;
  client.on("error", (err: Error) => {
    if (!down) log(`redis: ${err.message} (reconnecting)`);
    down = true;
  });
  client.on("ready", () => (down = false));
  return client;
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

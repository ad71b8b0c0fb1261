/**
 * `queue submit`: expands the inputs, splits them into chunk jobs and enqueues them with
 * deterministic job ids (a second submit of the same inputs to the same --out adds nothing),
 * and stores the run's config (without API keys) for the workers.
 */
import { isAbsolute, resolve } from "node:path";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { ConfigError, resolveRunConfig } from "../config/load.js";
import { expandInputSpecs } from "../io/sources/index.js";
import { isRemote } from "../io/remote/location.js";
import { RemoteIO } from "../io/remote/remote-io.js";
import { chunkFile, type Chunk } from "./chunks.js";
import { queueKeys, quietConnectionErrors } from "./redis.js";
import { findStoredRun, rejectGlobalOnlySettings, runIdOf, storeRun, submittedDifferences, withoutApiKeys, type ChunkJobData } from "./run-store.js";

export interface SubmitOptions {
  redis: Redis;
  queue: string;
  /** The run's config layer (config-file shape): config file merged with the run flags. */
  layer: Record<string, unknown>;
  chunkDocs: number;
  /** Attempts per chunk before it lands in the failed set, with exponential backoff from backoffMs. */
  attempts?: number;
  backoffMs?: number;
  /** Replace the settings an earlier submit stored for this --out (otherwise a difference is refused). */
  force?: boolean;
  log?: (m: string) => void;
}

export interface SubmitResult {
  runId: string;
  out: string;
  files: number;
  chunks: number;
  /** Chunks newly queued (the rest were already in the queue from an earlier submit). */
  added: number;
  documents: number;
}

const ADD_BATCH = 500;

export async function submitRun(opts: SubmitOptions): Promise<SubmitResult> {
  const log = opts.log ?? (() => {});
  const layer = withoutApiKeys(opts.layer);
  // Absolute paths: workers may start in other directories (they must see the same file system).
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(p));
  layer.out = abs(String(layer.out));
  layer.inputs = (layer.inputs as string[]).map((p) => (isRemote(p) ? p : abs(p)));
  // Every configuration problem surfaces here, before anything is queued.
  const { config } = resolveRunConfig(layer, { env: process.env });
  rejectGlobalOnlySettings(config);
  const io = new RemoteIO({ log, policy: { retries: config.io.retries, backoffMs: config.io.backoffMs, timeoutMs: config.io.timeoutMs }, pieceBytes: config.io.pieceBytes });
  const files = await expandInputSpecs(config.inputs, io);

  await refuseOtherSettings(opts, layer, config.out, log);
  const runId = runIdOf(config.out);
  await storeRun(opts.redis, opts.queue, { out: config.out, layer, submitted_at: new Date().toISOString() });
  const queue = new Queue<ChunkJobData>(opts.queue, { connection: opts.redis });
  quietConnectionErrors(queue);
  let chunks = 0;
  let added = 0;
  let documents = 0;
  let batch: Chunk[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ids = batch.map((c) => c.id);
    const existing = new Set((await Promise.all(ids.map((id) => queue.getJob(id)))).filter((j) => j).map((j) => j!.id));
    await queue.addBulk(
      batch.map((c) => ({
        name: "chunk",
        data: { runId, chunkId: c.id, input: c.input, docs: c.docs },
        opts: {
          // Same id for the same chunk: BullMQ ignores an add whose id it already holds.
          jobId: c.id,
          attempts: opts.attempts ?? 5,
          backoff: { type: "exponential", delay: opts.backoffMs ?? 10_000 },
          // Completed jobs are kept (small) so that their ids keep deduplicating later submits; failed ones show their error.
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    await opts.redis.hset(queueKeys(opts.queue).chunkDocs, Object.fromEntries(batch.map((c) => [c.id, String(c.docs)])));
    added += ids.filter((id) => !existing.has(id)).length;
    batch = [];
  };
  try {
    for (const file of files) {
      for await (const c of chunkFile(config.out, file, opts.chunkDocs, log, io)) {
        batch.push(c);
        chunks++;
        documents += c.docs;
        if (batch.length >= ADD_BATCH) await flush();
      }
    }
    await flush();
  } finally {
    await queue.close();
    io.close();
  }
  return { runId, out: config.out, files: files.length, chunks, added, documents };
}

/**
 * A second submit into the same --out with other settings would run the chunks still queued
 * under them, and mix two datasets in one directory: refused before anything is stored or
 * queued, naming the differences, unless forced.
 */
async function refuseOtherSettings(opts: SubmitOptions, layer: Record<string, unknown>, out: string, log: (m: string) => void): Promise<void> {
  const previous = await findStoredRun(opts.redis, opts.queue, out);
  if (!previous) return;
  const diffs = submittedDifferences(previous.layer, layer);
  if (diffs.length === 0) return;
  if (!opts.force) {
    throw new ConfigError(
      `${out} was submitted to queue "${opts.queue}" on ${previous.submitted_at} with other settings (${diffs.join("; ")}): ` +
        `submit with the same settings, use another --out, or pass --force to replace them (chunks not yet run then use the new ones, and workers need --force too)`,
    );
  }
  log(`--force: replacing the settings submitted for ${out} (${diffs.join("; ")}); chunks already done keep the old ones.`);
}

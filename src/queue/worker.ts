/**
 * `queue work`: a BullMQ worker that runs the pipeline on one chunk per job. A chunk writes
 * its own part files and state under the run's --out (tag `c-<chunkId>`), so a retried chunk
 * resumes its own checkpoint and a chunk delivered twice finds itself already done: outputs
 * never hold a pair twice. A chunk lock in Redis keeps two workers off one chunk at a time.
 */
import { access, constants } from "node:fs/promises";
import { basename, join } from "node:path";
import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { RunConfig } from "../config/schema.js";
import { LockHeldError } from "../io/output-lock.js";
import { runPaths } from "../io/run-dir.js";
import type { CacheSetting } from "../config/cache-setting.js";
import { addLlmStats, createLlmClient, emptyLlmStats, type LlmClient } from "../llm/index.js";
import { meteredView } from "../llm/metered.js";
import { checkPrices, hasBudget, type Budget } from "../pipeline/budget.js";
import { withBudget } from "../pipeline/budget-guard.js";
import { planStages } from "../stages/process-document.js";
import { writeJsonAtomic } from "../pipeline/checkpoint.js";
import { openRunGate } from "../pipeline/gate.js";
import { runPipeline, type RunResult } from "../pipeline/run.js";
import { ChunkLock } from "./chunk-lock.js";
import { RedisRateLimit } from "./redis-rate-limit.js";
import { queueKeys, quietConnectionErrors, withinMs } from "./redis.js";
import { loadRun, rejectQueueEngine, resolveWorkerConfig, type ChunkJobData } from "./run-store.js";

export interface WorkerOptions {
  redis: Redis;
  queue: string;
  /** Worker flags in config-file shape (model settings); override the stored run. */
  layer: Record<string, unknown>;
  /** Chunks processed at once by this process (they share its request concurrency). */
  chunksAtOnce?: number;
  /** The window of the run's --rpm limit, shared by all workers through Redis (default 60 000 ms). */
  rateWindowMs?: number;
  /** BullMQ job lock: a worker silent this long is presumed dead and its chunk retried. */
  lockDurationMs?: number;
  /** How often workers look for stalled chunks. */
  stalledIntervalMs?: number;
  /** Times a chunk may stall (its worker died) before it is failed. */
  maxStalledCount?: number;
  /** How long to wait before retrying a chunk another worker is still running. */
  busyRetryMs?: number;
  /**
   * How long `close()` waits for the chunks in work to stop and go back to the queue (default
   * 20 s, within the usual 30 s between a scheduler's SIGTERM and its SIGKILL).
   */
  stopGraceMs?: number;
  /** Run chunks whose directory pins other settings (models) than this worker's; recorded in run.json. */
  force?: boolean;
  /**
   * This worker's response cache (one per machine, whatever run a chunk belongs to: the
   * submitted run's setting is not used). Absent: no cache.
   */
  cache?: CacheSetting;
  /**
   * This worker's budget for its session (the spend of every chunk it runs). When it is spent
   * the chunks in work stop at a committed point; `onBudgetSpent` is told, once, and should
   * close the worker (the chunks then go back to the queue without using an attempt).
   */
  budget?: Budget;
  onBudgetSpent?: (why: string) => void;
  /**
   * A setting of this worker that cannot work for a run it was given (a --max-cost without a
   * price for the run's models): the chunk goes back to the queue and the owner is told, once,
   * and should stop the worker. Without it, the chunk fails like any other error.
   */
  onSettingsError?: (message: string) => void;
  log?: (m: string) => void;
}

export interface ChunkSummary {
  chunkId: string;
  documents: number;
  pairs: number;
  rejections: number;
  requests: number;
  tokens: number;
  /** Replies from the response cache (absent in summaries written before workers had a cache). */
  cache_hits?: number;
  seconds: number;
  finished_at: number;
}

export interface RunningWorker {
  worker: Worker<ChunkJobData, ChunkSummary>;
  /**
   * Stops taking chunks; chunks in work stop at a committed point and go back to the queue.
   * True when they did; false when that did not happen within the grace time (Redis
   * unreachable): their locks then expire and other workers resume them from their checkpoints.
   */
  close(): Promise<boolean>;
}

interface RunContext {
  config: RunConfig;
  llm: LlmClient;
}

/** A setting of the worker itself that cannot serve a run (see WorkerOptions.onSettingsError). */
class WorkerSettingsError extends Error {}

/** Back to the queue at once, without using an attempt (BullMQ counts a DelayedError as none). */
async function putBack(job: Job<ChunkJobData, ChunkSummary>, token: string | undefined, why: string): Promise<never> {
  await job.moveToDelayed(Date.now(), token);
  throw new DelayedError(why);
}

export function startWorker(opts: WorkerOptions): RunningWorker {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + "\n"));
  const keys = queueKeys(opts.queue);
  const lockTtl = opts.lockDurationMs ?? 60_000;
  const runs = new Map<string, Promise<RunContext>>();
  const shutdown = new AbortController();
  // Every model client this process made: the budget counts their spend together.
  const clients: LlmClient[] = [];
  const sessionSpend = () => clients.reduce((total, c) => addLlmStats(total, c.stats()), emptyLlmStats());
  let budgetFired = false;
  const onBudget = (why: string) => {
    if (budgetFired) return;
    budgetFired = true;
    shutdown.abort(why); // the chunks in work stop now, as on a signal
    opts.onBudgetSpent?.(why);
  };

  // One model client per run (per process): its concurrency cap is shared by all chunks in work here.
  const contextFor = (runId: string) => {
    let ctx = runs.get(runId);
    if (!ctx) {
      ctx = (async () => {
        const run = await loadRun(opts.redis, opts.queue, runId);
        const { config } = resolveWorkerConfig(run, opts.layer);
        rejectQueueEngine(config); // a worker's own --engine batch
        // --rpm (the worker's, else the submitted run's) becomes the queue-wide limit in Redis,
        // replacing the per-process pacer (both at once would only halve the rate).
        const rpm = config.llm.rpm;
        const permits = rpm > 0 ? new RedisRateLimit(opts.redis, { key: keys.rate, limit: rpm, windowMs: opts.rateWindowMs }) : undefined;
        config.llm.rpm = 0;
        // The cache is the worker's (per machine), not the submitted run's.
        config.llm.cache = opts.cache;
        const engine = await createLlmClient(config.llm, { log, permits: config.llm.engine === "openai" ? permits : undefined });
        if (permits && config.llm.engine !== "openai") log(`queue: --rpm applies to the openai engine only (this run uses ${config.llm.engine})`);
        if (opts.budget && hasBudget(opts.budget)) {
          try {
            checkPrices(opts.budget, planStages(config.plan).map((s) => engine.modelFor(s)));
          } catch (err) {
            await engine.close();
            throw new WorkerSettingsError((err as Error).message);
          }
        }
        clients.push(engine);
        const llm = opts.budget ? withBudget(engine, opts.budget, onBudget, sessionSpend) : engine;
        return { config, llm };
      })();
      ctx.catch(() => runs.delete(runId)); // a config problem is retried with the next chunk, after the worker's fix
      runs.set(runId, ctx);
    }
    return ctx;
  };

  const processChunk = async (job: Job<ChunkJobData, ChunkSummary>, token?: string): Promise<ChunkSummary> => {
    const { chunkId, input, runId } = job.data;
    // A chunk taken while the worker stops (its budget spent) goes straight back, untouched.
    if (shutdown.signal.aborted) await putBack(job, token, `worker stopping; chunk ${chunkId} put back`);
    let ctx: RunContext;
    try {
      ctx = await contextFor(runId);
    } catch (err) {
      if (!(err instanceof WorkerSettingsError) || !opts.onSettingsError) throw err;
      opts.onSettingsError(err.message);
      shutdown.abort();
      return putBack(job, token, `this worker's settings do not fit run ${runId}; chunk ${chunkId} put back`);
    }
    const { config, llm } = ctx;
    try {
      await access(input.path, constants.R_OK);
    } catch (err) {
      throw new Error(`cannot read ${input.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    // The Redis lock keeps workers off this chunk while its owner is alive, as long as Redis
    // answers. The chunk's own output lock (`.lock-c-<chunkId>` under --out, taken by
    // runPipeline) is the last word: it holds even when a stalled worker lost its Redis lock
    // but has not stopped writing yet, and it is what `run`, `curate` and `export` see.
    const lock = await ChunkLock.acquire(opts.redis, keys.lock(chunkId), lockTtl, `${process.pid}:`);
    if (!lock) {
      // Another worker is on this chunk (it stalled and came back, or a duplicate job): try later, without using an attempt.
      await job.moveToDelayed(Date.now() + (opts.busyRetryMs ?? lockTtl), token);
      throw new DelayedError(`chunk ${chunkId} is being processed by another worker`);
    }
    const stop = new AbortController();
    // The worker's reason (a spent budget, as text) is what the chunk's writer record says.
    const onShutdown = () => stop.abort(shutdown.signal.reason);
    shutdown.signal.addEventListener("abort", onShutdown);
    if (shutdown.signal.aborted) onShutdown(); // stopped while this chunk was being set up
    lock.onLost(() => {
      log(`queue: lost the lock of chunk ${chunkId}; stopping it (another worker will resume it)`);
      stop.abort();
    });
    const tag = `c-${chunkId}`;
    try {
      let lastReport = 0;
      const progress = {
        update(s: { documents: number; accepted: number }) {
          const now = Date.now();
          if (now - lastReport < 2000) return;
          lastReport = now;
          void job.updateProgress({ documents: s.documents, pairs: s.accepted, of: job.data.docs }).catch(() => undefined);
          void opts.redis.hset(keys.chunksActive, chunkId, JSON.stringify({ documents: s.documents, pairs: s.accepted, of: job.data.docs, at: now })).catch(() => undefined);
        },
        stop() {},
      };
      await opts.redis.set(keys.startedAt, String(Date.now()), "NX");
      // The chunk's own view of the shared client: its checkpoint then counts this chunk's
      // requests and tokens only, not those of the other chunks this process runs.
      const chunkLlm = meteredView(llm);
      let res: RunResult;
      try {
        // Curation per chunk: quality rules and decontamination are per pair, so exact; dedup sees
        // one chunk only. The global dedup is `webscale-rl curate` over the drained run. The
        // gate is opened (its state files touched) only once this chunk's output lock is held.
        const gate = (t: string) => openRunGate(config, t);
        res = await runPipeline(config, { llm: chunkLlm, gate, inputs: [input], tag, force: opts.force, signal: stop.signal, log: (m) => log(`[${chunkId}] ${m}`), progress });
      } catch (err) {
        if (!(err instanceof LockHeldError)) throw err;
        // Another process still writes this chunk (a stalled worker that lost its Redis lock, on
        // this host or another), or holds run.json's lock for longer than a rewrite takes: try
        // later, without using an attempt; nothing was written.
        const what = basename(err.path) === `.lock-${tag}` ? "is still being written" : "waits for a lock";
        log(`queue: chunk ${chunkId} ${what}: ${err.message}; trying it later`);
        await job.moveToDelayed(Date.now() + (opts.busyRetryMs ?? lockTtl), token);
        throw new DelayedError(`chunk ${chunkId} is being written by another process`);
      }
      // A chunk that finished its last document as the stop came (a budget spent by its last
      // call) is done, not put back.
      if (stop.signal.aborted && !(res.complete && !lock.lost)) {
        if (lock.lost) throw new Error(`lost the lock of chunk ${chunkId} (stalled?); it resumes from its checkpoint`);
        // Shutting down: back to the queue without using an attempt; the next worker resumes the
        // checkpoint. Without Redis it stays active until its job lock expires, then the stall
        // check of another worker puts it back.
        const back = await withinMs(job.moveToDelayed(Date.now(), token).then(() => true), 5000).catch(() => false);
        if (back) log(`queue: chunk ${chunkId} put back in the queue (stopped at a committed point)`);
        throw new DelayedError(`worker shutting down; chunk ${chunkId} put back`);
      }
      if (res.stoppedBy === "model_errors" || res.failedUnits > 0) {
        throw new Error(`${res.failedUnits} documents failed on the model server (${res.lastError ?? "unknown error"}); the retry resumes the chunk`);
      }
      const s = res.stats;
      const summary: ChunkSummary = {
        chunkId,
        documents: s.documents_read,
        pairs: s.qa_accepted,
        rejections: Object.values(s.rejections).reduce((a, b) => a + b, 0),
        requests: s.llm.requests,
        tokens: s.llm.prompt_tokens + s.llm.completion_tokens,
        cache_hits: s.llm.cache_hits ?? 0,
        seconds: s.wall_seconds,
        finished_at: Date.now(),
      };
      // Keyed by chunk, so a chunk finished twice is counted once in `queue status`.
      await opts.redis.multi().hset(keys.chunksDone, chunkId, JSON.stringify(summary)).hdel(keys.chunksActive, chunkId).exec();
      writeJsonAtomic(join(runPaths(config.out).state, `times-${tag}.json`), { finished_at: new Date(summary.finished_at).toISOString(), wall_seconds: s.wall_seconds });
      return summary;
    } finally {
      shutdown.signal.removeEventListener("abort", onShutdown);
      await lock.release();
    }
  };

  const worker = new Worker<ChunkJobData, ChunkSummary>(opts.queue, processChunk, {
    connection: opts.redis,
    concurrency: opts.chunksAtOnce ?? 2,
    lockDuration: lockTtl,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 3,
    autorun: true,
  });
  worker.on("failed", (job, err) => {
    if (job && !(err instanceof DelayedError)) log(`queue: chunk ${job.data.chunkId} failed (attempt ${job.attemptsMade}): ${err.message}`);
  });
  worker.on("completed", (job, r) => log(`queue: chunk ${job.data.chunkId} done: ${r.documents} documents, ${r.pairs} pairs`));
  quietConnectionErrors(worker, log);

  const graceMs = opts.stopGraceMs ?? 20_000;
  return {
    worker,
    async close() {
      shutdown.abort();
      const stopped = await withinMs(worker.close().then(() => true), graceMs).catch(() => false);
      if (!stopped) {
        log(`queue: the chunks in work did not go back within ${graceMs / 1000} s (is Redis reachable?); other workers resume them from their checkpoints once their locks expire (--lock-duration)`);
        await withinMs(worker.close(true), 2000).catch(() => undefined);
      }
      // A run whose settings are still being loaded from an unreachable Redis is not waited for.
      for (const ctx of runs.values()) await withinMs(ctx.then((c) => c.llm.close()), 2000).catch(() => undefined);
      return stopped === true;
    },
  };
}

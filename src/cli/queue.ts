/**
 * `webscale-rl queue submit | work | status`: scale-out on BullMQ + Redis. Submit splits the
 * inputs into chunk jobs; any number of workers, anywhere, run the pipeline on chunks into
 * the shared --out; status shows progress and failures. See docs/scale-out.md.
 */
import { Command, Option } from "commander";
import { ConfigError, mergeLayers, readConfigFile } from "../config/load.js";
import { flagsToLayer, type RunFlags } from "./run.js";
import { MODEL_FLAGS, runOptions } from "./run-options.js";
import { cacheOptions } from "./cache-options.js";
import { refuseWorkerFlags, WORKER_FLAGS, workerSettings, type WorkerFlags } from "./queue-worker-flags.js";
import { connectRedis, DEFAULT_QUEUE, explainRedisFailure, quietConnectionErrors, reachRedis, withinMs } from "../queue/redis.js";
import { submitRun } from "../queue/submit.js";
import { startWorker } from "../queue/worker.js";
import { formatStatus, queueStatus } from "../queue/status.js";
import { retryFailed } from "../queue/retry-failed.js";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name} takes a positive whole number (got "${v}")`);
  return n;
};

/** Run flags that make no sense per chunk (see rejectGlobalOnlySettings). */
// --force and --no-server-check act in the process that runs: a worker, not the submit.
const NOT_FOR_QUEUE = ["--shard", "--limit", "--progress", "--domain-quota", "--target-pairs", "--force", "--no-server-check", ...WORKER_FLAGS];

const log = (m: string) => process.stderr.write(m + "\n");

function redisOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--redis <url>", "Redis URL, e.g. redis://queue-host:6379 (rediss:// for TLS)")
    .option("--queue <name>", "queue name (several runs may use different queues on one Redis)", DEFAULT_QUEUE);
}

/** A client connection for one short command (submit, retry, status): Redis lost on the way is one line with `thenWhat`. */
async function withRedisClient<T>(flags: { redis: string }, thenWhat: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = connectRedis(flags.redis, { role: "client", log });
  await reachRedis(redis, flags.redis);
  try {
    return await fn(redis);
  } catch (err) {
    throw explainRedisFailure(err, redis, flags.redis, thenWhat);
  } finally {
    redis.disconnect();
  }
}

/** The command that starts a worker on this queue. */
const workCommand = (flags: { redis: string; queue: string }) =>
  `webscale-rl queue work --redis ${flags.redis}${flags.queue === DEFAULT_QUEUE ? "" : ` --queue ${flags.queue}`}`;

function layerOf(inputs: string[], flags: RunFlags): Record<string, unknown> {
  const fileLayer = flags.config ? readConfigFile(flags.config) : {};
  const layer = mergeLayers(fileLayer, flagsToLayer(inputs, flags));
  return layer;
}

export function registerQueue(program: Command): void {
  const queue = program.command("queue").description("Scale out on a BullMQ/Redis work queue: submit chunk jobs, run workers anywhere, watch status.");

  const submit = redisOptions(
    queue
      .command("submit")
      .description("Split the inputs into chunk jobs and queue them, with the run's settings (API keys are never stored).")
      .argument("<inputs...>", "input files, globs or folders (as for run), or hf://, s3://, https:// URLs; workers must see the same paths (remote files: the same credentials)"),
  )
    .option("--chunk-docs <n>", "documents per chunk (JSONL line ranges, Parquet row ranges aligned to row groups)", positiveInt("--chunk-docs"), 1000)
    .option("--attempts <n>", "attempts per chunk before it lands in the failed set", positiveInt("--attempts"), 5)
    .option("--backoff <seconds>", "first retry delay of a failed chunk (doubles each attempt)", Number, 10)
    .option("--force", "replace the settings an earlier submit stored for this --out (refused otherwise, naming the differences)");
  for (const o of runOptions((l) => !NOT_FOR_QUEUE.includes(l))) submit.addOption(o);
  // Known to submit only to be refused with a line that says where they belong.
  for (const o of runOptions((l) => WORKER_FLAGS.includes(l))) submit.addOption(o.hideHelp());
  submit.addHelpText(
    "after",
    `
Example:
  webscale-rl queue submit 'corpus/*.jsonl.zst' --redis redis://queue:6379 --out /shared/runs/r1 --chunk-docs 2000 --plan efficient
Submitting the same inputs to the same --out again adds nothing (chunk ids are hashes of out + file + range);
more inputs add their chunks. Other settings (plan, domains, text field, models...) for an --out already
submitted are refused, naming the differences: --force replaces them for the chunks not yet run.`,
  );
  submit.action(async (inputs: string[], flags: RunFlags & { redis: string; queue: string; chunkDocs: number; attempts: number; backoff: number; force?: boolean }) => {
    refuseWorkerFlags(flags);
    await withRedisClient(flags, "submit again once it is back (chunks already queued are not queued twice)", async (redis) => {
      const res = await submitRun({
        redis,
        queue: flags.queue,
        layer: layerOf(inputs, flags),
        chunkDocs: flags.chunkDocs,
        attempts: flags.attempts,
        backoffMs: Math.round(flags.backoff * 1000),
        force: flags.force,
        log,
      });
      log(
        `queued ${res.added} new chunks (${res.chunks} in all, ${res.chunks - res.added} already queued) from ${res.files} files, ` +
          `${res.documents} documents, into queue "${flags.queue}" for --out ${res.out} (run ${res.runId}).\n` +
          `Start workers: ${workCommand(flags)} [--base-url ... --concurrency ...]`,
      );
    });
  });

  const work = redisOptions(queue.command("work").description("Take chunks from the queue and run the pipeline on them, until stopped (or the queue is empty with --until-empty)."))
    .option("--chunks-at-once <n>", "chunks this process works on at once (they share --concurrency)", positiveInt("--chunks-at-once"), 2)
    .option("--rpm <n>", "requests per minute across ALL workers of the queue (Redis-backed; default: the submitted run's --rpm, else none)", Number)
    .option("--until-empty", "exit when no chunk is waiting, delayed or active (for batch schedulers)")
    .addOption(new Option("--lock-duration <ms>", "a worker silent this long is presumed dead; its chunk is retried").argParser(positiveInt("--lock-duration")).default(60_000))
    .addOption(new Option("--stalled-interval <ms>", "how often workers check for chunks of dead workers").argParser(positiveInt("--stalled-interval")).default(30_000))
    .addOption(new Option("--rate-window <ms>", "the window of --rpm (default 60000: per minute)").argParser(positiveInt("--rate-window")).default(60_000).hideHelp())
    .addOption(new Option("--stop-grace <ms>", "how long a stopping worker waits for its chunks to go back to the queue").argParser(positiveInt("--stop-grace")).default(20_000).hideHelp());
  // --force: a chunk whose run.json pins other models than this worker's (another worker ran
  // the first chunks with other flags) is refused, and it is this worker that may accept that.
  for (const o of runOptions((l) => MODEL_FLAGS.includes(l) || l === "--force")) work.addOption(o);
  for (const o of cacheOptions("the workers and runs of this machine")) work.addOption(o);
  for (const o of runOptions((l) => ["--max-cost", "--budget-tokens", "--price"].includes(l))) work.addOption(o);
  work.addHelpText(
    "after",
    `
Model settings come from the submitted run, overridden by this worker's OPENAI_BASE_URL/OPENAI_API_KEY,
then by its flags. --base-url (or a baseUrl in its -c config) means the HTTP engine, whatever engine the run
was submitted with, unless this worker also gives --engine. The first chunk pins the models per stage in the
run's run.json: a worker with other models is refused for its chunks unless --force (recorded in run.json).
Example:
  OPENAI_API_KEY=... webscale-rl queue work --redis redis://queue:6379 --base-url http://localhost:8000/v1 --concurrency 64
SIGINT/SIGTERM: the chunks in work stop at a committed point and go back to the queue (no attempt used), then
the worker exits 0; a second signal stops it at once. If Redis cannot be reached to put them back within 20 s,
it exits 1 and the chunks resume on other workers once their locks expire (--lock-duration).
Redis unreachable at start: one line and exit 2 within seconds; an outage later: the worker waits for Redis.
The response cache and the budget are this worker's (they are not submitted with the run): the cache is on,
in $WEBSCALE_RL_CACHE or the user cache folder, and shared by every worker and run of the machine; --max-cost /
--budget-tokens bound this worker's session. Once spent, the chunks in work stop at a committed point and go
back to the queue (no attempt used) and the worker exits 3; other workers, or this one restarted with a larger
budget, resume them. A budget for the whole fleet is not built (docs/cost.md).`,
  );
  work.action(async (flags: RunFlags & WorkerFlags & { redis: string; queue: string; chunksAtOnce: number; untilEmpty?: boolean; lockDuration: number; stalledInterval: number; rateWindow: number; stopGrace: number }) => {
    const layer = layerOf([], flags);
    delete layer.inputs; // the stored run's inputs stay
    // Checked before Redis is reached: a cache folder that cannot be opened, or a bad --price, stops here.
    const { cache, budget } = await workerSettings(flags);
    let ending: { why: string; code: number } | undefined;
    let stopWorker: (why: string) => void = () => {};
    const redis = connectRedis(flags.redis, { role: "worker", log });
    await reachRedis(redis, flags.redis);
    const running = startWorker({
      redis,
      queue: flags.queue,
      layer,
      chunksAtOnce: flags.chunksAtOnce,
      rateWindowMs: flags.rateWindow,
      lockDurationMs: flags.lockDuration,
      stalledIntervalMs: flags.stalledInterval,
      stopGraceMs: flags.stopGrace,
      force: flags.force,
      cache,
      budget,
      onBudgetSpent: (why) => {
        ending ??= { why: `stopped early: ${why}. Start the worker again (with a larger budget) to go on`, code: 3 };
        stopWorker(`${why}`);
      },
      onSettingsError: (message) => {
        ending ??= { why: message, code: 2 };
        stopWorker(`this worker cannot run the submitted run: ${message}`);
      },
      log,
    });
    log(`queue: worker ${process.pid} taking chunks from "${flags.queue}" (${flags.chunksAtOnce} at once)`);
    const q = new Queue(flags.queue, { connection: redis });
    quietConnectionErrors(q);
    const clean = await new Promise<boolean>((resolve) => {
      let stopping = false;
      const stop = (why: string, signalled = false) => {
        if (stopping) return;
        stopping = true;
        log(signalled ? `queue: ${why}; stopping: the chunks in work stop at a committed point and go back to the queue (signal again to stop at once)` : `queue: ${why}; stopping`);
        clearInterval(poll);
        void running.close().then(resolve, () => resolve(false));
      };
      stopWorker = (why) => stop(why, true);
      if (ending) stop(ending.why, true);
      const onSignal = (name: string) => () => {
        if (!stopping) return stop(name, true);
        log(`queue: ${name} again: stopping at once (chunks in work resume from their checkpoints after --lock-duration)`);
        process.exit(130);
      };
      process.on("SIGINT", onSignal("interrupted"));
      process.on("SIGTERM", onSignal("terminated"));
      const poll = setInterval(() => {
        if (!flags.untilEmpty) return;
        void q.getJobCounts("waiting", "active", "delayed", "prioritized").then((c) => {
          if (Object.values(c).every((n) => n === 0)) stop("the queue is empty");
        }, () => undefined);
      }, 1000);
    });
    await withinMs(q.close(), 1000).catch(() => undefined);
    redis.disconnect();
    // A budget or a setting ended the worker: say why once more, last, with its own exit code.
    if (ending) log(ending.code === 2 ? `webscale-rl: ${ending.why}` : `queue: ${ending.why}.`);
    // Exit now: after a forced close (Redis gone) BullMQ's own connections may still be trying
    // to reconnect, which would keep the process alive.
    process.exit(!clean ? 1 : ending ? ending.code : 0);
  });

  redisOptions(
    queue
      .command("retry")
      .description("Put failed chunks back into the queue (all, or those named), their attempts counted from zero: fix the cause first (see queue status); each resumes from its checkpoint.")
      .argument("[chunks...]", "chunk ids as queue status lists them (default: every failed chunk)"),
  ).action(async (chunks: string[], flags: { redis: string; queue: string }) => {
    await withRedisClient(flags, "run queue retry again once it is back", async (redis) => {
      const r = await retryFailed(redis, flags.queue, chunks);
      if (r.notFailed.length) log(`not in the failed set (finished, in work, or unknown): ${r.notFailed.join(", ")}`);
      log(
        r.retried.length
          ? `${r.retried.length} failed chunk(s) back in queue "${flags.queue}": ${r.retried.join(", ")}. Workers take them now (start one with: ${workCommand(flags)})`
          : `no failed chunk to retry in queue "${flags.queue}"`,
      );
      if (r.notFailed.length) process.exitCode = 1;
    });
  });

  redisOptions(queue.command("status").description("Show chunks waiting/active/completed/failed, documents and pairs so far, throughput, failures."))
    .option("--json", "print the status as JSON")
    .option("--failures <n>", "failed chunks to list", positiveInt("--failures"), 20)
    .action(async (flags: { redis: string; queue: string; json?: boolean; failures: number }) => {
      await withRedisClient(flags, "run queue status again once it is back", async (redis) => {
        const s = await queueStatus(redis, flags.queue, { maxFailures: flags.failures });
        process.stdout.write((flags.json ? JSON.stringify(s, null, 2) : formatStatus(s)) + "\n");
      });
    });
}

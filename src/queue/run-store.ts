/**
 * The run a queue serves, stored once in Redis at submit: the config layer (file + flags,
 * config-file shape) WITHOUT API keys. Each worker resolves it under its own environment and
 * flags (defaults < stored run < worker env < worker flags), so keys and, if wanted, servers
 * are the worker's own.
 */
import type { Redis } from "ioredis";
import { ConfigError, envLayer, mergeLayers, resolveRunConfig, type ResolvedRun } from "../config/load.js";
import type { RunConfig } from "../config/schema.js";
import type { InputSpec } from "../io/sources/index.js";
import { pinnedDifferences, pinnedSettings } from "../io/run-manifest.js";
import { planStages } from "../stages/process-document.js";
import { stageModel } from "../estimate/stage-models.js";
import { shortHash } from "../util/hash.js";
import { queueKeys } from "./redis.js";

type Plain = Record<string, unknown>;

/** What a chunk job carries. */
export interface ChunkJobData {
  runId: string;
  chunkId: string;
  input: InputSpec;
  docs: number;
}

export interface StoredRun {
  out: string;
  layer: Plain;
  submitted_at: string;
}

export const runIdOf = (out: string) => shortHash("run", out);

/** The run stored for `out` in this queue by an earlier submit, if any. */
export async function findStoredRun(redis: Redis, queue: string, out: string): Promise<StoredRun | undefined> {
  const raw = await redis.hget(queueKeys(queue).runs, runIdOf(out));
  return raw ? (JSON.parse(raw) as StoredRun) : undefined;
}

/**
 * What a new submit would change in the settings a run directory pins (run-manifest.ts: plan,
 * domains, text and id fields, document limits, and the models the layers name), one readable
 * item each. Inputs are not compared: submitting more files into the same --out adds chunks.
 */
export function submittedDifferences(was: Plain, now: Plain, env: NodeJS.ProcessEnv = process.env): string[] {
  // Both under this environment, as the submit resolves its own (a layer naming a model may
  // rely on OPENAI_BASE_URL for its server).
  const pins = (layer: Plain) => {
    const { config } = resolveRunConfig(layer, { env });
    return pinnedSettings({ ...config, inputs: [] }, Object.fromEntries(planStages(config.plan).map((s) => [s, stageModel(config, s)])));
  };
  return pinnedDifferences(pins(was), pins(now));
}

/** Removes every apiKey from a layer (defaults and stages); the layer is copied. */
export function withoutApiKeys(layer: Plain): Plain {
  const copy = structuredClone(layer);
  const llm = copy.llm as Plain | undefined;
  const strip = (node: unknown) => {
    if (node && typeof node === "object") delete (node as Plain).apiKey;
  };
  if (llm) {
    strip(llm.defaults);
    for (const s of Object.values((llm.stages as Plain | undefined) ?? {})) strip(s);
  }
  return copy;
}

/** Run-level settings that only make sense over the whole dataset, not per chunk. */
export function rejectGlobalOnlySettings(config: RunConfig): void {
  const c = config.curate;
  if (Object.keys(c.domainQuota).length > 0 || c.targetPairs !== undefined) {
    throw new ConfigError("domain quotas apply to the whole dataset, not to one chunk: leave --domain-quota/--target-pairs out of the queue and run `webscale-rl curate <out> --domain-quota ...` once the queue is drained");
  }
  if (config.shard) throw new ConfigError("--shard does not combine with the queue: the queue balances chunks itself");
  if (config.limit !== undefined) throw new ConfigError("--limit does not apply to the queue: submit fewer inputs instead");
  rejectQueueEngine(config);
}

/** The Batch API engine keeps its in-flight batches in the run's state folder, which a chunk job does not have. */
export function rejectQueueEngine(config: RunConfig): void {
  if (config.llm.engine === "batch") throw new ConfigError("--engine batch does not work in the queue: run it without the queue (`webscale-rl run ... --engine batch`), or give the workers --base-url");
}

export async function storeRun(redis: Redis, queue: string, run: StoredRun): Promise<string> {
  const id = runIdOf(run.out);
  await redis.hset(queueKeys(queue).runs, id, JSON.stringify(run));
  return id;
}

export async function loadRun(redis: Redis, queue: string, runId: string): Promise<StoredRun> {
  const raw = await redis.hget(queueKeys(queue).runs, runId);
  if (!raw) throw new Error(`run ${runId} is not in queue "${queue}" (was the queue's Redis data removed? submit again)`);
  return JSON.parse(raw) as StoredRun;
}

/** True when a layer names a model server (its defaults or any stage). */
function namesBaseUrl(layer: Plain): boolean {
  const llm = (layer.llm ?? {}) as Plain;
  const nodes = [llm.defaults, ...Object.values((llm.stages as Plain | undefined) ?? {})] as (Plain | undefined)[];
  return nodes.some((n) => Array.isArray(n?.baseUrl) && n.baseUrl.length > 0);
}

/**
 * The worker's view of a stored run: stored layer < the worker's env (OPENAI_*) < the worker's
 * flags. A worker that names a model server (--base-url, or baseUrl in its -c config) runs
 * the HTTP engine whatever engine the run was submitted with, unless it also says --engine:
 * the usual recipe submits once without a server and points each worker at its own.
 */
export function resolveWorkerConfig(run: StoredRun, workerLayer: Plain, env: NodeJS.ProcessEnv = process.env): ResolvedRun {
  const merged = mergeLayers(run.layer, envLayer(env), workerLayer);
  const workerEngine = (workerLayer.llm as Plain | undefined)?.engine;
  if (namesBaseUrl(workerLayer) && workerEngine === undefined) (merged.llm as Plain).engine = "openai";
  return resolveRunConfig(merged, { env: {} });
}

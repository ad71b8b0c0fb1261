/**
 * The settings that belong to a queue worker rather than to the submitted run: its response
 * cache (one per machine: the key leaves out the endpoint, so a fleet's workers on one machine
 * share replies whatever server they use) and its budget (what this worker may spend). `queue
 * submit` refuses them with a line that says where they go: stored with the run they would
 * either do nothing or bind every machine to one folder and one process's spend.
 */
import { ConfigError, readConfigFile } from "../config/load.js";
import { cacheSetting, type CacheFlags, type CacheSetting } from "../config/cache-setting.js";
import { openCacheStore } from "../llm/cached-client.js";
import { budgetFromFlags, hasBudget, type Budget, type BudgetFlags } from "../pipeline/budget.js";

export const WORKER_FLAGS = ["--cache", "--no-cache", "--cache-max-gb", "--max-cost", "--budget-tokens", "--price"];

export interface WorkerFlags extends CacheFlags, BudgetFlags {
  config?: string;
}

/** For `queue submit`: one line naming the first worker flag given. */
export function refuseWorkerFlags(f: WorkerFlags): void {
  const given =
    f.cache === false ? "--no-cache" : f.cache !== undefined ? "--cache" : f.cacheMaxGb !== undefined ? "--cache-max-gb" : f.maxCost !== undefined ? "--max-cost" : f.budgetTokens !== undefined ? "--budget-tokens" : f.price?.length ? "--price" : undefined;
  if (!given) return;
  const what = given.includes("cache") ? "the response cache is per machine" : "a budget bounds one worker's spend";
  throw new ConfigError(`${given} is a setting of each worker, not of the run (${what}): pass it to \`webscale-rl queue work\` instead`);
}

/**
 * The worker's cache (its own -c config file's `llm.cache` < its environment < its flags, on by
 * default) and budget. The cache folder is opened once here, so that one that cannot be used
 * stops the worker before it takes a chunk.
 */
export async function workerSettings(f: WorkerFlags): Promise<{ cache?: CacheSetting; budget?: Budget }> {
  const file = f.config ? ((readConfigFile(f.config).llm as { cache?: unknown } | undefined)?.cache) : undefined;
  const cache = cacheSetting(f, { file });
  if (cache.enabled) await openCacheStore(cache).close();
  const budget = budgetFromFlags(f);
  return { cache: cache.enabled ? cache : undefined, budget: hasBudget(budget) ? budget : undefined };
}

/**
 * Where the response cache is and whether it is on, from the usual sources (config file <
 * `WEBSCALE_RL_CACHE` < `--cache DIR` / `--no-cache` / `--cache-max-gb`), the same for every
 * command that sends model requests (`run`, `queue work`, `rollout`). See docs/cache.md.
 */
import { ConfigError, envLayer } from "./load.js";
import { LlmConfig } from "./schema.js";

export interface CacheFlags {
  /** A folder (`--cache DIR`), false (`--no-cache`) or unset. */
  cache?: string | boolean;
  cacheMaxGb?: number;
}

export type CacheSetting = NonNullable<LlmConfig["cache"]>;

/** The size bound when nothing names one. */
export const DEFAULT_CACHE_MAX_GB = 20;

/** The flags as a config layer (unset flags leave the file's and the environment's say). */
export function cacheLayer(f: CacheFlags): Record<string, unknown> | undefined {
  const layer: Record<string, unknown> = {};
  if (f.cache === false) layer.enabled = false;
  else if (typeof f.cache === "string") (layer.enabled = true), (layer.dir = f.cache);
  if (f.cacheMaxGb !== undefined) layer.maxGb = f.cacheMaxGb;
  return Object.keys(layer).length ? layer : undefined;
}

/** Model replies are cached unless told not to: a rerun with the same requests then costs nothing. */
export function cacheOnByDefault<C extends { llm: { cache?: CacheSetting } }>(config: C): C {
  config.llm.cache ??= { enabled: true, maxGb: DEFAULT_CACHE_MAX_GB };
  return config;
}

/**
 * The setting of a process whose cache is its own rather than a run's (a queue worker: one
 * cache per machine, whatever run its chunks belong to; a rollout): `file` is `llm.cache` of
 * its own config file, if any. On unless something turns it off.
 */
export function cacheSetting(flags: CacheFlags, opts: { file?: unknown; env?: NodeJS.ProcessEnv } = {}): CacheSetting {
  const fromEnv = (envLayer(opts.env ?? process.env).llm as { cache?: object } | undefined)?.cache;
  const merged = { ...(opts.file as object | undefined), ...fromEnv, ...cacheLayer(flags) };
  const parsed = LlmConfig.shape.cache.safeParse(merged);
  if (!parsed.success || !parsed.data) {
    const issue = parsed.error?.issues[0];
    throw new ConfigError(`llm.cache${issue?.path.length ? `.${issue.path.join(".")}` : ""}: ${issue?.message ?? "not a cache setting"}`);
  }
  return parsed.data;
}

/** `webscale-rl cache stats|prune`: what the response cache holds, and making it smaller. */
import { existsSync } from "node:fs";
import { Command } from "commander";
import { defaultCacheDir } from "../llm/index.js";
import { ResponseCacheStore, type CacheStoreStats } from "../llm/response-cache.js";

const GB = 1024 ** 3;

interface CacheFlags {
  cache?: string;
  json?: boolean;
  maxGb?: number;
  olderThan?: number;
  all?: boolean;
}

/** --cache, else $WEBSCALE_RL_CACHE (when it names a folder), else the default: the same folder `run` uses. */
function cacheDir(flags: CacheFlags): string {
  const env = process.env.WEBSCALE_RL_CACHE?.trim();
  const named = env && !["off", "0", "false", "no", "none"].includes(env.toLowerCase()) ? env : undefined;
  return flags.cache ?? named ?? defaultCacheDir();
}

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} takes a number ≥ 0 (got "${v}")`);
  return n;
};

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

function printStats(s: CacheStoreStats): void {
  const lines = [
    `Response cache: ${s.dir}`,
    `  ${s.entries} replies, ${mb(s.bytes)} (bound ${mb(s.max_bytes)})`,
    `  they cost ${s.prompt_tokens} prompt and ${s.completion_tokens} completion tokens when made`,
    ...(s.oldest_use ? [`  last used between ${s.oldest_use} and ${s.newest_use}`] : []),
    ...Object.entries(s.by_stage).map(([k, n]) => `  stage ${k}: ${n}`),
    ...Object.entries(s.by_model).map(([k, n]) => `  model ${k}: ${n}`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

export function registerCache(program: Command): void {
  const cmd = program.command("cache").description("The response cache that `run` shares across runs and processes (docs/cache.md).");
  const dirOption = "response cache folder (default: $WEBSCALE_RL_CACHE, else ~/.cache/webscale-rl/responses)";

  cmd
    .command("stats")
    .description("How many replies the cache holds, its size, and per stage and model")
    .option("--cache <dir>", dirOption)
    .option("--json", "print one JSON object")
    .action((flags: CacheFlags) => {
      const dir = cacheDir(flags);
      if (!existsSync(dir)) {
        if (flags.json) process.stdout.write(JSON.stringify({ dir, entries: 0, bytes: 0 }) + "\n");
        else process.stdout.write(`No response cache at ${dir} yet (a run makes it).\n`);
        return;
      }
      // The bound is a setting of each run, not of the folder: stats report the default.
      const store = ResponseCacheStore.open(dir, 20 * GB);
      try {
        const s = store.stats();
        if (flags.json) process.stdout.write(JSON.stringify(s) + "\n");
        else printStats(s);
      } finally {
        void store.close();
      }
    });

  cmd
    .command("prune")
    .description("Evict least recently used replies down to --max-gb, and/or those unused for --older-than days")
    .option("--cache <dir>", dirOption)
    .option("--max-gb <n>", "keep at most this much (least recently used go first)", positive("--max-gb"))
    .option("--older-than <days>", "remove replies not used for this many days", positive("--older-than"))
    .option("--all", "remove every reply")
    .action(async (flags: CacheFlags) => {
      if (flags.maxGb === undefined && flags.olderThan === undefined && !flags.all) {
        throw new Error("cache prune: say what to remove: --max-gb N, --older-than DAYS or --all");
      }
      const dir = cacheDir(flags);
      if (!existsSync(dir)) {
        process.stdout.write(`No response cache at ${dir}: nothing to prune.\n`);
        return;
      }
      const store = ResponseCacheStore.open(dir, 20 * GB);
      try {
        const before = store.bytes();
        const target = flags.all ? 0 : flags.maxGb !== undefined ? Math.floor(flags.maxGb * GB) : Infinity;
        const olderThan = flags.all ? Infinity : flags.olderThan !== undefined ? Date.now() - flags.olderThan * 86_400_000 : undefined;
        const { removed, bytes } = await store.prune(target, olderThan);
        process.stdout.write(`Removed ${removed} replies from ${dir}: ${mb(before)} → ${mb(bytes)}, ${store.entries()} left.\n`);
      } finally {
        await store.close();
      }
    });
}

/**
 * The response cache's flags, defined once for the commands that take them (`run`, `queue
 * work`, `rollout`) so that each means the same everywhere (src/config/cache-setting.ts).
 */
import { Option } from "commander";
import { ConfigError } from "../config/load.js";
import { DEFAULT_CACHE_MAX_GB } from "../config/cache-setting.js";

/** `--cache DIR`, `--no-cache`, `--cache-max-gb N`; `across` says who shares the folder. */
export function cacheOptions(across = "runs and processes"): [Option, Option, Option] {
  const gb = (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`--cache-max-gb takes a number of gigabytes > 0 (got "${v}")`);
    return n;
  };
  return [
    new Option("--cache <dir>", `response cache folder, shared across ${across} (default: $WEBSCALE_RL_CACHE, else ~/.cache/webscale-rl/responses)`),
    new Option("--no-cache", "send every request to the model; neither read nor write the response cache"),
    new Option("--cache-max-gb <n>", `size bound of the response cache; least recently used replies are evicted past it (default ${DEFAULT_CACHE_MAX_GB})`).argParser(gb),
  ];
}

/**
 * A model client that answers from the response cache when it can and asks the engine
 * otherwise. It wraps any engine (HTTP, local, batch): every model call of a stage passes
 * here, so a rerun with the same settings sends nothing, and a rerun that changes only one
 * stage's model resends only that stage's calls (the others' keys are unchanged).
 *
 * Only replies that validated are stored: a failure (invalid output, context length, a dead
 * server) is asked again next time, since it may depend on the server rather than the request.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import type { z } from "zod";
import type { LlmConfig } from "../config/schema.js";
import type { LlmStats } from "../records.js";
import { addLlmStats } from "./counters.js";
import { bookRequest, LlmCounterBook } from "./counters.js";
import { cacheKey, effectiveSampling, SampleCounter } from "./cache-key.js";
import { ResponseCacheStore } from "./response-cache.js";
import { jsonSchemaOf, parseReply } from "./structured.js";
import type { CompleteRequest, CompleteResult, LlmClient } from "./types.js";

const GB = 1024 ** 3;

/** The user's cache folder for responses: $XDG_CACHE_HOME, else the platform's convention. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME ||
    (process.platform === "darwin" ? join(homedir(), "Library", "Caches") : process.platform === "win32" ? env.LOCALAPPDATA || join(homedir(), "AppData", "Local") : join(homedir(), ".cache"));
  return join(base, "webscale-rl", "responses");
}

/** Opens the store the config names (its folder, or the default one). */
export function openCacheStore(cache: NonNullable<LlmConfig["cache"]>): ResponseCacheStore {
  return ResponseCacheStore.open(cache.dir ?? defaultCacheDir(), Math.floor(cache.maxGb * GB));
}

export interface CachedClient extends LlmClient {
  readonly store: ResponseCacheStore;
}

/** `inner` answers the misses; closing the returned client closes both. */
export function withResponseCache(inner: LlmClient, store: ResponseCacheStore, cfg: LlmConfig): CachedClient {
  const own = new LlmCounterBook();
  const samples = new SampleCounter();
  return {
    store,
    // Read through, as withSignal does: `load` feeds the progress display (requests in flight).
    get maxConcurrency() {
      return inner.maxConcurrency;
    },
    load: inner.load ? () => inner.load!() : undefined,
    modelFor: (stage) => inner.modelFor(stage),
    stats: (): LlmStats => addLlmStats(inner.stats(), own.snapshot()),
    async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
      const model = inner.modelFor(req.stage);
      const sampling = effectiveSampling(cfg, req.stage, req.sampling);
      const parts = { model, messages: req.messages, schemaName: req.schemaName, schema: jsonSchemaOf(req.schema), ...sampling, n: 1, sample: 0 };
      const sample = samples.next(cacheKey(parts), sampling);
      const key = cacheKey({ ...parts, sample });
      const hit = store.get(key);
      if (hit) {
        // The value is parsed from the stored text again: the same text gives the same value,
        // and nothing but validated text was stored.
        const parsed = parseReply(hit.raw, req.schema);
        if (parsed.ok) {
          bookRequest(own, req.meter, { stage: req.stage, model }, { cache_hits: 1, cache_saved_prompt_tokens: hit.usage.prompt_tokens, cache_saved_completion_tokens: hit.usage.completion_tokens });
          return { value: parsed.value, usage: hit.usage, raw: hit.raw, model: hit.model, cached: true };
        }
      }
      const res = await inner.complete(req);
      store.put(key, { raw: res.raw, model: res.model, usage: res.usage, stage: req.stage });
      return res;
    },
    // Text samples pass through uncached for now.
    sample: (req) => inner.sample(req),
    async close() {
      await inner.close();
      await store.close();
    },
  };
}

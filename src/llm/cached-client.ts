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
import { ResponseCacheStore, type CachedReply } from "./response-cache.js";
import { jsonSchemaOf, parseReply } from "./structured.js";
import type { CompleteRequest, CompleteResult, LlmClient, SampleRequest, SampleResult, TextSample, Usage } from "./types.js";

const GB = 1024 ** 3;
/** The `schemaName` in the keys of text samples (no schema): no `complete` call has it. */
const TEXT_SAMPLES = "(text samples)";

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
    /**
     * K text samples, each cached on its own: sample i of a seeded call is the draw with seed + i
     * (the engines' rule), so it is shared by any call that draws it; an unseeded call at
     * temperature > 0 takes this process's next unused sample indices of its prompt, so a rerun
     * that asks the same gets the same samples back; at temperature 0 sample i is index i. The
     * misses are drawn in runs of consecutive indices, one engine call (with `n`) per run.
     */
    async sample(req: SampleRequest): Promise<SampleResult> {
      if (!Number.isInteger(req.n) || req.n < 1) return inner.sample(req); // the engine says what is wrong
      const model = inner.modelFor(req.stage);
      const sampling = effectiveSampling(cfg, req.stage, req.sampling);
      const seed = sampling.seed;
      const parts = { model, messages: req.messages, schemaName: TEXT_SAMPLES, schema: null, temperature: sampling.temperature, max_tokens: sampling.max_tokens, n: 1 };
      const first = seed === undefined ? samples.take(cacheKey({ ...parts, sample: 0 }), sampling, req.n) : 0;
      const keys = Array.from({ length: req.n }, (_, i) => (seed === undefined ? cacheKey({ ...parts, sample: first + i }) : cacheKey({ ...parts, seed: seed + i, sample: 0 })));
      const hits = keys.map((k) => store.get(k));
      const out: (TextSample | undefined)[] = hits.map((h) => (h ? { text: h.raw, truncated: h.truncated ?? false } : undefined));
      const found = hits.filter((h): h is CachedReply => h !== undefined);
      if (found.length) {
        const saved = (f: "prompt_tokens" | "completion_tokens") => found.reduce((t, h) => t + h.usage[f], 0);
        bookRequest(own, req.meter, { stage: req.stage, model }, { cache_hits: found.length, cache_saved_prompt_tokens: saved("prompt_tokens"), cache_saved_completion_tokens: saved("completion_tokens") });
      }
      const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
      for (const h of found) addUsage(usage, h.usage);
      let requests = 0;
      let answeredBy = found[0]?.model;
      await Promise.all(
        missingRuns(out).map(async ([start, count]) => {
          const r = await inner.sample({ ...req, n: count, sampling: seed === undefined ? req.sampling : { ...req.sampling, seed: seed + start } });
          requests += r.requests;
          answeredBy ??= r.model;
          addUsage(usage, r.usage);
          r.samples.forEach((s, j) => {
            out[start + j] = s;
            store.put(keys[start + j]!, { raw: s.text, truncated: s.truncated, model: r.model, usage: shareOf(r.usage, j, r.samples.length), stage: req.stage });
          });
        }),
      );
      return { samples: out as TextSample[], usage, model: answeredBy ?? model, requests };
    },
    async close() {
      await inner.close();
      await store.close();
    },
  };
}

/** The missing samples as runs of consecutive indices: [first, count]. */
function missingRuns(out: (TextSample | undefined)[]): [number, number][] {
  const runs: [number, number][] = [];
  out.forEach((x, i) => {
    if (x !== undefined) return;
    const last = runs.at(-1);
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  });
  return runs;
}

function addUsage(total: Usage, u: Usage): void {
  total.prompt_tokens += u.prompt_tokens;
  total.completion_tokens += u.completion_tokens;
  total.cached_prompt_tokens += u.cached_prompt_tokens;
}

/**
 * Sample j's share of a reply of n samples: the server reports one usage for all of them (the
 * prompt once), so each stored sample holds an even share and the shares add up to the whole.
 */
function shareOf(u: Usage, j: number, n: number): Usage {
  const part = (t: number) => Math.floor(t / n) + (j < t % n ? 1 : 0);
  return { prompt_tokens: part(u.prompt_tokens), completion_tokens: part(u.completion_tokens), cached_prompt_tokens: part(u.cached_prompt_tokens) };
}

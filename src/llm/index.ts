/**
 * The model layer's entry point: `createLlmClient(cfg)` picks the engine named in the config.
 * Everything outside src/llm talks to models through the returned `LlmClient` only.
 */
import type { LlmConfig } from "../config/schema.js";
import { createOpenAIClient } from "./openai-engine.js";
import { LlmError, type LlmClient } from "./types.js";
import { openCacheStore, withResponseCache } from "./cached-client.js";
import type { RequestPermits } from "./shared-rate-limit.js";

export { LlmError } from "./types.js";
export type { ChatMessage, CompleteRequest, CompleteResult, LlmClient, LlmErrorCode, SampleRequest, SampleResult, Sampling, TextSample, Usage } from "./types.js";
export { addLlmStats, emptyLlmStats, emptyCounters } from "./counters.js";
export { defaultCacheDir } from "./cached-client.js";

export interface CreateLlmClientOptions {
  log?: (msg: string) => void;
  /** The run's state/ folder: the batch engine keeps its submitted batches there (required for engine "batch"). */
  stateDir?: string;
  /** Names the batch engine's state files (the run's shard/writer tag; default "main"). */
  stateName?: string;
  /** A request rate shared with other processes (a queue's --rpm in Redis); the HTTP engine's only. */
  permits?: RequestPermits;
}

/** The engine the config names, behind the response cache when the config turns it on. */
export async function createLlmClient(cfg: LlmConfig, opts: CreateLlmClientOptions = {}): Promise<LlmClient> {
  // The store is opened first: a cache folder that cannot be used stops the run before any
  // engine starts (a local model load, a batch resume).
  const store = cfg.cache?.enabled ? openCacheStore(cfg.cache) : undefined;
  try {
    const engine = await createEngine(cfg, opts);
    return store ? withResponseCache(engine, store, cfg) : engine;
  } catch (err) {
    await store?.close();
    throw err;
  }
}

async function createEngine(cfg: LlmConfig, opts: CreateLlmClientOptions): Promise<LlmClient> {
  switch (cfg.engine) {
    case "openai":
      return createOpenAIClient(cfg, opts);
    case "local": {
      // Loaded on demand: node-llama-cpp is heavy and only the local engine needs it.
      const { createLocalClient } = await import("./local-engine.js");
      return createLocalClient(cfg, opts);
    }
    case "batch": {
      // Batch API engine: needs the run's state/ to find its in-flight batches after a kill.
      if (!opts.stateDir) throw new LlmError("config", "the batch engine needs the run's state folder (createLlmClient(cfg, { stateDir }))");
      const { createBatchClient } = await import("./batch-engine.js");
      return createBatchClient(cfg, { log: opts.log, stateDir: opts.stateDir, stateName: opts.stateName });
    }
    default:
      throw new LlmError("config", `unknown model engine "${String((cfg as { engine: unknown }).engine)}"`);
  }
}

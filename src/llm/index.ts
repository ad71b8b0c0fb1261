/**
 * The model layer's entry point: `createLlmClient(cfg)` picks the engine named in the config.
 * Everything outside src/llm talks to models through the returned `LlmClient` only.
 */
import type { LlmConfig } from "../config/schema.js";
import { createOpenAIClient } from "./openai-engine.js";
import { LlmError, type LlmClient } from "./types.js";

export { LlmError } from "./types.js";
export type { ChatMessage, CompleteRequest, CompleteResult, LlmClient, LlmErrorCode, Sampling, Usage } from "./types.js";
export { addLlmStats, emptyLlmStats, emptyCounters } from "./counters.js";

export interface CreateLlmClientOptions {
  log?: (msg: string) => void;
}

export async function createLlmClient(cfg: LlmConfig, opts: CreateLlmClientOptions = {}): Promise<LlmClient> {
  switch (cfg.engine) {
    case "openai":
      return createOpenAIClient(cfg, opts);
    case "local": {
      // Loaded on demand: node-llama-cpp is heavy and only the local engine needs it.
      const { createLocalClient } = await import("./local-engine.js");
      return createLocalClient(cfg, opts);
    }
    case "batch":
      throw new LlmError("config", "the batch engine is not available yet");
    default:
      throw new LlmError("config", `unknown model engine "${String((cfg as { engine: unknown }).engine)}"`);
  }
}

/**
 * Before a local-engine run without --model-file: fetch the embedded default model (once,
 * announcing it) before any other work, so a failed download stops the run in its first
 * seconds. Delegates to the local engine's own default resolution.
 */
import { LlmConfig } from "../config/schema.js";
import { resolveEmbeddedDefault } from "./default-model.js";

export async function prepareLocalModel(opts: { log: (m: string) => void }): Promise<string> {
  const resolved = await resolveEmbeddedDefault(LlmConfig.parse({ engine: "local" }), { log: opts.log });
  return resolved.modelFile!;
}

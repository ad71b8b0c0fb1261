/**
 * Before a local-engine run without --model-file: make sure the embedded default model is in
 * the cache (downloading it once), announcing it in one line. Fails within seconds, before
 * any work, with what to do when the download is impossible.
 */
import { ensureModel, cachedModelPath } from "./model-cache.js";
import { DEFAULT_LOCAL_MODEL } from "./default-model.js";

export async function prepareLocalModel(opts: { log: (m: string) => void; embeddedDefault: boolean }): Promise<string> {
  const model = DEFAULT_LOCAL_MODEL;
  const why = opts.embeddedDefault ? "No model server configured: using" : "--engine local without --model-file: using";
  opts.log(`${why} the local engine with ${model.name} (cached at ${cachedModelPath(model)}).`);
  return ensureModel(model, { log: opts.log });
}

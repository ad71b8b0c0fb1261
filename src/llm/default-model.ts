/**
 * The embedded default: the model `run` uses when nothing else is configured (no engine, base
 * URL, API key, model or model file), fetched once into the cache by `ensureModel`.
 *
 * Qwen2.5-1.5B-Instruct in Q4_K_M: Apache-2.0, ~1.1 GB, follows JSON-shaped instructions well
 * for its size, a 32k context that holds the 6k-token document windows, and a few tokens per
 * second per sequence on a laptop CPU. The 3B sibling writes better pairs but is twice the
 * download, half the speed, and under a research-only licence.
 */
import { stat } from "node:fs/promises";
import type { LlmConfig } from "../config/schema.js";
import { cachedModelPath, defaultCacheDir, ensureModel, formatBytes, type EnsureModelOptions, type ModelDescriptor } from "./model-cache.js";

export const DEFAULT_LOCAL_MODEL: ModelDescriptor = {
  name: "Qwen2.5-1.5B-Instruct (Q4_K_M)",
  // The official Qwen GGUF repository. The SHA-256 and size are those of its Git LFS pointer
  // for this file (the same object is mirrored elsewhere on the Hub with the same digest).
  url: "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf",
  sha256: "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e",
  sizeBytes: 1_117_320_736,
  file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
};

/** What a user may have configured; the loader passes values before zod fills in defaults. */
export interface ModelChoiceInput {
  engine?: string;
  baseUrl?: string[] | string;
  apiKey?: string;
  model?: string;
  modelFile?: string;
}

/**
 * True when nothing names a model or a server, in the config or in the environment
 * (OPENAI_BASE_URL / OPENAI_API_KEY): that is when `run` falls back to the embedded default.
 */
export function wantsEmbeddedDefault(input: ModelChoiceInput, env: NodeJS.ProcessEnv = process.env): boolean {
  const baseUrls = Array.isArray(input.baseUrl) ? input.baseUrl : input.baseUrl ? [input.baseUrl] : [];
  if (input.engine !== undefined && input.engine !== "local") return false;
  if (input.engine === "local") return !input.modelFile;
  return !(baseUrls.length > 0 || input.apiKey || input.model || input.modelFile || env.OPENAI_BASE_URL || env.OPENAI_API_KEY);
}

/** The one line `run` prints before it starts when it uses the embedded default. */
export function embeddedDefaultNotice(model: ModelDescriptor = DEFAULT_LOCAL_MODEL, cacheDir = defaultCacheDir()): string {
  return `No model server configured: using the local engine with ${model.name} (cached at ${cachedModelPath(model, cacheDir)})`;
}

export interface ResolveDefaultOptions extends EnsureModelOptions {
  model?: ModelDescriptor;
}

/**
 * Switches an LLM config to the local engine on the embedded default model: prints the notice,
 * downloads the model if it is not cached yet (a config error, before any work, if it cannot
 * be), and returns the config with `engine: "local"` and `modelFile` set.
 */
export async function resolveEmbeddedDefault(llm: LlmConfig, opts: ResolveDefaultOptions = {}): Promise<LlmConfig> {
  const model = opts.model ?? DEFAULT_LOCAL_MODEL;
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  log(embeddedDefaultNotice(model, cacheDir));
  const target = cachedModelPath(model, cacheDir);
  const cached = await isCached(target, model);
  if (!cached) log(`downloading ${model.name} (${formatBytes(model.sizeBytes)}) once from ${new URL(model.url).host}`);
  const modelFile = await ensureModel(model, { ...opts, cacheDir, log });
  return { ...llm, engine: "local", modelFile };
}

async function isCached(target: string, model: ModelDescriptor): Promise<boolean> {
  try {
    return (await stat(target)).size === model.sizeBytes;
  } catch {
    return false;
  }
}

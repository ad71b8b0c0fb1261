/** Builds the judge from command-line settings through the model layer (createLlmClient). */
import { LlmConfig } from "../config/schema.js";
import { createLlmClient } from "../llm/index.js";
import { checkModelServers } from "../llm/server-check.js";
import { Judge } from "./judge.js";

export interface JudgeSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  cacheSize?: number;
  maxTokens?: number;
  /** Where the first judge failure of each kind is reported. */
  log?: (line: string) => void;
  /**
   * Ask the judge's server for its model list first (default false): a refused key, an unknown
   * model or nothing listening then stops with one line before any scoring, instead of showing
   * up as failed rewards once traffic arrives.
   */
  checkServer?: boolean;
}

const JUDGE_FLAGS = {
  apiKey: "--judge-api-key (or WEBSCALE_RL_JUDGE_API_KEY)",
  baseUrl: "--judge-base-url",
  model: "--judge-model",
  timeout: "--judge-timeout-ms",
};

/** undefined when no judge is configured; throws a config error that says what to do. */
export async function buildJudge(s: JudgeSettings): Promise<Judge | undefined> {
  if (!s.baseUrl && !s.model) return undefined;
  if (!s.baseUrl) throw new Error("--judge-model needs --judge-base-url (an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8001/v1)");
  if (!s.model) throw new Error("--judge-base-url needs --judge-model (the model name the endpoint serves)");
  try {
    new URL(s.baseUrl);
  } catch {
    throw new Error(`--judge-base-url "${s.baseUrl}" is not a URL (expected e.g. http://127.0.0.1:8001/v1)`);
  }
  const cfg = LlmConfig.parse({
    engine: "openai",
    defaults: { model: s.model, baseUrl: [s.baseUrl], apiKey: s.apiKey, structured: "auto" },
    concurrency: s.concurrency ?? 32,
    timeoutMs: s.timeoutMs ?? 60_000,
    maxRetries: s.maxRetries ?? 4,
  });
  if (s.checkServer) await checkModelServers(cfg, ["judge"], { log: s.log, flags: JUDGE_FLAGS });
  const client = await createLlmClient(cfg);
  return new Judge(client, { cacheSize: s.cacheSize, maxTokens: s.maxTokens, log: s.log });
}

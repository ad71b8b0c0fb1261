/** Builds the judge from command-line settings through the model layer (createLlmClient). */
import { LlmConfig } from "../config/schema.js";
import { createLlmClient } from "../llm/index.js";
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
}

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
  const client = await createLlmClient(cfg);
  return new Judge(client, { cacheSize: s.cacheSize, maxTokens: s.maxTokens, log: s.log });
}

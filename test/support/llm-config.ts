/** Builds a validated LlmConfig for model-layer tests from a few overrides. */
import { LlmConfig } from "../../src/config/schema.js";

export function llmConfig(baseUrl: string | string[], extra: Record<string, unknown> = {}): LlmConfig {
  const { defaults, ...rest } = extra as { defaults?: Record<string, unknown> };
  return LlmConfig.parse({
    engine: "openai",
    defaults: { baseUrl: Array.isArray(baseUrl) ? baseUrl : [baseUrl], model: "fake-model", ...(defaults ?? {}) },
    timeoutMs: 5000,
    maxRetries: 4,
    ...rest,
  });
}

/** A document-first prompt in the shape the pipeline's prompts use. */
export function docMessages(document: string, instruction = "Answer about the document.") {
  return [
    { role: "system" as const, content: "You are careful." },
    { role: "user" as const, content: `<document>\n${document}\n</document>\n\n${instruction}` },
  ];
}

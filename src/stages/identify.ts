/** Stage 2: an LLM picks one domain from the configured list and 1..N personas. */
import { z } from "zod";
import type { Doc } from "../records.js";
import { classifyPrompt } from "../prompts/tasks.js";
import { callModel, type Outcome, type StageContext } from "./outcome.js";

export function identifySchema(domains: string[], maxPersonas: number) {
  return z.object({
    domain: z.enum(domains as [string, ...string[]]),
    personas: z.array(z.string().min(1)).min(1).max(maxPersonas),
  });
}
export type Identified = { domain: string; personas: string[] };

/** Trim personas and drop case-insensitive repeats: each persona must yield a different pair. */
export function distinctPersonas(personas: string[], max: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of personas.map((x) => x.trim()).filter(Boolean)) {
    const key = p.toLowerCase();
    if (!seen.has(key)) seen.add(key), out.push(p);
  }
  return out.slice(0, max);
}

export async function identifyStage(doc: Doc, ctx: StageContext, schema = identifySchema(ctx.config.domains, ctx.config.personas)): Promise<Outcome<Identified>> {
  const out = await callModel(ctx, doc, "identify", "identify_result", schema, classifyPrompt(ctx.system, doc));
  if (!out.ok) return out;
  return { ...out, value: { domain: out.value.domain, personas: distinctPersonas(out.value.personas, ctx.config.personas) } };
}

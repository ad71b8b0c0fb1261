/** Stage 2: an LLM picks one domain from the configured list and 1..N personas (a role and what it wants). */
import { z } from "zod";
import type { Doc } from "../records.js";
import { classifyPrompt, type Persona } from "../prompts/tasks.js";
import { callModel, type Outcome, type StageContext } from "./outcome.js";

export const PersonaReply = z.object({ role: z.string().min(1), wants: z.string() });

export function identifySchema(domains: string[], maxPersonas: number) {
  return z.object({
    domain: z.enum(domains as [string, ...string[]]),
    personas: z.array(PersonaReply).min(1).max(maxPersonas),
  });
}
export type Identified = { domain: string; personas: Persona[] };

/** Trim personas and drop case-insensitive repeats of a role: each persona must yield a different pair. */
export function distinctPersonas(personas: Persona[], max: number): Persona[] {
  const seen = new Set<string>();
  const out: Persona[] = [];
  for (const p of personas) {
    const role = p.role.trim();
    const key = role.toLowerCase();
    if (role && !seen.has(key)) seen.add(key), out.push({ role, wants: p.wants.trim() });
  }
  return out.slice(0, max);
}

export async function identifyStage(doc: Doc, ctx: StageContext, schema = identifySchema(ctx.config.domains, ctx.config.personas)): Promise<Outcome<Identified>> {
  const out = await callModel(ctx, doc, "identify", "identify_result", schema, classifyPrompt(ctx.system, doc), ctx.config.personas);
  if (!out.ok) return out;
  return { ...out, value: { domain: out.value.domain, personas: distinctPersonas(out.value.personas, ctx.config.personas) } };
}

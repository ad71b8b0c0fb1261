/** Stage 3 (paper plan): one pair per persona, guided by seeded demos from the domain's library. */
import type { Doc } from "../records.js";
import { writePrompt, type Persona } from "../prompts/tasks.js";
import { sampleDemos } from "../prompts/demos.js";
import { callModel, type Outcome, type StageContext } from "./outcome.js";
import { GeneratedPair, rejectPair, type PairDraft } from "./pairs.js";

/** Writes for `personas[index]`; the call sees every persona of the document, so it can take a point the others will not. */
export async function generateStage(doc: Doc, domain: string, personas: Persona[], index: number, ctx: StageContext): Promise<Outcome<PairDraft>> {
  const persona = personas[index]!;
  const demos = sampleDemos(ctx.demos, domain, ctx.config.fewShot, ctx.config.seed, `${doc.id}\u0000${persona.role}`);
  const messages = writePrompt(ctx.system, doc, domain, personas, demos, true, index);
  const out = await callModel(ctx, doc, "generate", "generated_pair", GeneratedPair, messages, 1, (code, detail, raw) =>
    rejectPair(doc, "generate", code, undefined, `${detail} (persona: ${persona.role})`, raw),
  );
  return out.ok ? { ...out, value: { ...out.value, persona: persona.role, persona_focus: persona.wants, domain } } : out;
}

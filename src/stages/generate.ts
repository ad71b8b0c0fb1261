/** Stage 3 (paper plan): one pair per persona, guided by seeded demos from the domain's library. */
import type { Doc } from "../records.js";
import { writePrompt } from "../prompts/tasks.js";
import { sampleDemos } from "../prompts/demos.js";
import { callModel, type Outcome, type StageContext } from "./outcome.js";
import { GeneratedPair, rejectPair, type PairDraft } from "./pairs.js";

export async function generateStage(doc: Doc, domain: string, persona: string, ctx: StageContext): Promise<Outcome<PairDraft>> {
  const demos = sampleDemos(ctx.demos, domain, ctx.config.fewShot, ctx.config.seed, `${doc.id}\u0000${persona}`);
  const out = await callModel(ctx, doc, "generate", "generated_pair", GeneratedPair, writePrompt(ctx.system, doc, domain, [persona], demos, true), (code, detail, raw) =>
    rejectPair(doc, "generate", code, undefined, `${detail} (persona: ${persona})`, raw),
  );
  return out.ok ? { ...out, value: { ...out.value, persona, domain } } : out;
}

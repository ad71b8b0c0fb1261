/**
 * The three document calls of `--plan efficient`. Same rules and per-pair schemas as the
 * paper plan, fewer calls: filter+identify, generate for all personas, check all pairs. Replies
 * that hold several items are keyed by the prompt's labels (stages/keyed.ts), so no persona
 * and no pair can be lost or mismatched silently.
 */
import { z } from "zod";
import type { Doc } from "../records.js";
import { filterClassifyPrompt, pairLabel, personaLabel, verifyPrompt, writePrompt } from "../prompts/tasks.js";
import { sampleDemos } from "../prompts/demos.js";
import { callModel, rejectDoc, type Outcome, type StageContext } from "./outcome.js";
import { CheckVerdict, GeneratedPair, rejectPair, type PairDraft } from "./pairs.js";
import { distinctPersonas, PersonaReply, type Identified } from "./identify.js";
import { keyedSchema, perItem } from "./keyed.js";

export function filterIdentifySchema(domains: string[], maxPersonas: number) {
  return z.object({
    qualified: z.boolean(),
    reason: z.string(),
    domain: z.enum(domains as [string, ...string[]]),
    personas: z.array(PersonaReply).min(1).max(maxPersonas),
  });
}

export async function filterIdentifyStage(
  doc: Doc,
  ctx: StageContext,
  schema = filterIdentifySchema(ctx.config.domains, ctx.config.personas),
): Promise<Outcome<Identified>> {
  const out = await callModel(ctx, doc, "filter_identify", "filter_identify_result", schema, filterClassifyPrompt(ctx.system, doc), ctx.config.personas);
  if (!out.ok) return out;
  if (!out.value.qualified) return { ok: false, rejection: rejectDoc(doc, "filter", "not_qualified", out.value.reason, out.raw) };
  return { ...out, value: { domain: out.value.domain, personas: distinctPersonas(out.value.personas, ctx.config.personas) } };
}

/** One pair per persona, keyed P1, P2, … in the order the prompt lists them. */
export async function generateAllStage(doc: Doc, id: Identified, ctx: StageContext): Promise<Outcome<PairDraft[]>> {
  const n = id.personas.length;
  const demos = sampleDemos(ctx.demos, id.domain, ctx.config.fewShot, ctx.config.seed, doc.id);
  const schema = keyedSchema(GeneratedPair, n, personaLabel);
  const out = await callModel(ctx, doc, "generate_all", "generated_pairs", schema, writePrompt(ctx.system, doc, id.domain, id.personas, demos, false), n);
  if (!out.ok) return out;
  const pairs = id.personas.map((p, i) => ({ ...out.value[personaLabel(i)]!, persona: p.role, persona_focus: p.wants, domain: id.domain }));
  return { ...out, value: pairs };
}

/** One verdict (or a rejection) per input pair, in order: the reply is keyed Q1, Q2, … as the prompt lists the pairs. */
export async function checkAllStage(doc: Doc, pairs: PairDraft[], ctx: StageContext): Promise<Outcome<CheckVerdict>[]> {
  const schema = keyedSchema(CheckVerdict, pairs.length, pairLabel);
  const out = await callModel(ctx, doc, "check_all", "check_verdicts", schema, verifyPrompt(ctx.system, doc, pairs, true), pairs.length);
  return perItem(out, pairs.length, pairLabel, (i, code, r) => rejectPair(doc, "check", code, pairs[i], r.detail, r.raw));
}

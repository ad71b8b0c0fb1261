/**
 * The three calls of `--plan efficient`. Same rules and schemas per pair as the paper plan,
 * fewer calls: filter+identify, generate for all personas, check all pairs.
 */
import { z } from "zod";
import type { Doc } from "../records.js";
import { filterClassifyPrompt, verifyPrompt, writePrompt } from "../prompts/tasks.js";
import { sampleDemos } from "../prompts/demos.js";
import { callModel, rejectDoc, type Outcome, type StageContext } from "./outcome.js";
import { CheckVerdict, GeneratedPair, rejectPair, type PairDraft } from "./pairs.js";
import { distinctPersonas, type Identified } from "./identify.js";

export function filterIdentifySchema(domains: string[], maxPersonas: number) {
  return z.object({
    qualified: z.boolean(),
    reason: z.string(),
    domain: z.enum(domains as [string, ...string[]]),
    personas: z.array(z.string().min(1)).min(1).max(maxPersonas),
  });
}

export async function filterIdentifyStage(
  doc: Doc,
  ctx: StageContext,
  schema = filterIdentifySchema(ctx.config.domains, ctx.config.personas),
): Promise<Outcome<Identified>> {
  const out = await callModel(ctx, doc, "filter_identify", "filter_identify_result", schema, filterClassifyPrompt(ctx.system, doc));
  if (!out.ok) return out;
  if (!out.value.qualified) return { ok: false, rejection: rejectDoc(doc, "filter", "not_qualified", out.value.reason, out.raw) };
  return { ...out, value: { domain: out.value.domain, personas: distinctPersonas(out.value.personas, ctx.config.personas) } };
}

const PersonaPair = GeneratedPair.extend({ persona: z.string() });
const generateAllSchemas = new Map<number, ReturnType<typeof buildGenerateAllSchema>>();
function buildGenerateAllSchema(maxPairs: number) {
  return z.object({ pairs: z.array(PersonaPair).min(1).max(maxPairs) });
}

/** One schema per persona count, built once: building zod schemas per document showed in the profile. */
export function generateAllSchema(maxPairs: number) {
  let schema = generateAllSchemas.get(maxPairs);
  if (!schema) generateAllSchemas.set(maxPairs, (schema = buildGenerateAllSchema(maxPairs)));
  return schema;
}

export async function generateAllStage(doc: Doc, id: Identified, ctx: StageContext): Promise<Outcome<PairDraft[]>> {
  const demos = sampleDemos(ctx.demos, id.domain, ctx.config.fewShot, ctx.config.seed, doc.id);
  const out = await callModel(ctx, doc, "generate_all", "generated_pairs", generateAllSchema(id.personas.length), writePrompt(ctx.system, doc, id.domain, id.personas, demos, false));
  if (!out.ok) return out;
  // Pairs are matched to the requested personas by position; a persona the model renamed keeps the requested name.
  const pairs = out.value.pairs.slice(0, id.personas.length).map((p, i) => ({ ...p, persona: id.personas[i]!, domain: id.domain }));
  return { ...out, value: pairs };
}

export const CheckAllResult = z.object({ verdicts: z.array(CheckVerdict.extend({ pair: z.number().int() })) });

/** Returns one verdict (or a rejection) per input pair, in order. */
export async function checkAllStage(doc: Doc, pairs: PairDraft[], ctx: StageContext): Promise<Outcome<CheckVerdict>[]> {
  const out = await callModel(ctx, doc, "check_all", "check_verdicts", CheckAllResult, verifyPrompt(ctx.system, doc, pairs));
  if (!out.ok) return pairs.map((p) => ({ ok: false, rejection: rejectPair(doc, "check", out.rejection.reason.split(".").pop()!, p, out.rejection.detail, out.rejection.raw) }));
  const byIndex = new Map(out.value.verdicts.map((v) => [v.pair, v]));
  return pairs.map((p, i) => {
    const v = byIndex.get(i + 1);
    return v ? { ok: true, value: v, raw: out.raw, model: out.model } : { ok: false, rejection: rejectPair(doc, "check", "missing_verdict", p, `no verdict for pair ${i + 1}`, out.raw) };
  });
}

/** Stage 1: an LLM decides whether the document is qualified source material. */
import { z } from "zod";
import type { Doc } from "../records.js";
import { filterPrompt } from "../prompts/tasks.js";
import { callModel, rejectDoc, type Outcome, type StageContext } from "./outcome.js";

export const FilterVerdict = z.object({ qualified: z.boolean(), reason: z.string() });
export type FilterVerdict = z.infer<typeof FilterVerdict>;

export async function filterStage(doc: Doc, ctx: StageContext): Promise<Outcome<FilterVerdict>> {
  const out = await callModel(ctx, doc, "filter", "filter_verdict", FilterVerdict, filterPrompt(ctx.system, doc));
  if (out.ok && !out.value.qualified) return { ok: false, rejection: rejectDoc(doc, "filter", "not_qualified", out.value.reason, out.raw) };
  return out;
}

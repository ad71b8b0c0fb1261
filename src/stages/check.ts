/** Stage 4 (paper plan): an LLM verifier, with the document, judges one pair. */
import type { Doc } from "../records.js";
import { verifyPrompt } from "../prompts/tasks.js";
import { callModel, type Outcome, type StageContext } from "./outcome.js";
import { CheckVerdict, rejectPair, type PairDraft } from "./pairs.js";

export async function checkStage(doc: Doc, pair: PairDraft, ctx: StageContext): Promise<Outcome<CheckVerdict>> {
  return callModel(ctx, doc, "check", "check_verdict", CheckVerdict, verifyPrompt(ctx.system, doc, [pair]), 1, (code, detail, raw) =>
    rejectPair(doc, "check", code, pair, detail, raw),
  );
}

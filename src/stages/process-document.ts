/**
 * One document (or window) through the LLM stages of the chosen plan. Returns everything
 * the document produced; the orchestrator writes it. Throws TransientFailure when the model
 * layer could not be reached, so the document stays unfinished and is redone on resume.
 */
import type { Doc, QaRecord, Rejection } from "../records.js";
import { filterStage } from "./filter.js";
import { identifySchema, identifyStage, type Identified } from "./identify.js";
import { generateStage } from "./generate.js";
import { checkStage } from "./check.js";
import { checkAllStage, filterIdentifySchema, filterIdentifyStage, generateAllStage } from "./efficient.js";
import { buildQaRecord, leaksVerbatim, rejectPair, verdictFailure, type CheckVerdict, type PairDraft } from "./pairs.js";
import { rejectDoc, type Outcome, type StageContext } from "./outcome.js";
import { handbook } from "../prompts/handbook.js";

export interface DocResult {
  doc: Doc;
  /** Furthest stage the document passed: drives the funnel counts. */
  reached: "prefilter" | "filter" | "identify" | "generate";
  domain?: string;
  accepted: QaRecord[];
  rejections: Rejection[];
  pairsGenerated: number;
  pairsChecked: number;
}

export interface ProcessHooks {
  /** Domain quota (curation): false = skip generation for this domain. */
  quotaAllows?: (domain: string) => boolean;
}

export function planStages(plan: "paper" | "efficient"): string[] {
  return plan === "paper" ? ["filter", "identify", "generate", "check"] : ["filter_identify", "generate_all", "check_all"];
}

export function makeProcessor(base: Omit<StageContext, "system">, hooks: ProcessHooks = {}) {
  const { config, llm } = base;
  // The handbook and the schemas depend on the configured domains and persona count only: build them once.
  const ctx: StageContext = { ...base, system: handbook(config.domains, config.personas) };
  const models = Object.fromEntries(planStages(config.plan).map((s) => [s, llm.modelFor(s)]));
  const idSchema = identifySchema(config.domains, config.personas);
  const fiSchema = filterIdentifySchema(config.domains, config.personas);

  return async function processDocument(doc: Doc): Promise<DocResult> {
    const result: DocResult = { doc, reached: "prefilter", accepted: [], rejections: [], pairsGenerated: 0, pairsChecked: 0 };
    const fail = (r: Rejection) => (result.rejections.push(r), result);

    let id: Identified;
    if (config.plan === "paper") {
      const f = await filterStage(doc, ctx);
      if (!f.ok) return fail(f.rejection);
      result.reached = "filter";
      const i = await identifyStage(doc, ctx, idSchema);
      if (!i.ok) return fail(i.rejection);
      id = i.value;
    } else {
      const fi = await filterIdentifyStage(doc, ctx, fiSchema);
      if (!fi.ok) return fail(fi.rejection);
      result.reached = "filter";
      id = fi.value;
    }
    result.reached = "identify";
    result.domain = id.domain;
    if (hooks.quotaAllows && !hooks.quotaAllows(id.domain)) return fail(rejectDoc(doc, "quota", "skipped", `quota for ${id.domain} is full: generation skipped`));
    result.reached = "generate";

    // Generate.
    let drafts: PairDraft[] = [];
    if (config.plan === "paper") {
      const outs = await Promise.all(id.personas.map((p) => generateStage(doc, id.domain, p, ctx)));
      for (const o of outs) o.ok ? drafts.push(o.value) : result.rejections.push(o.rejection);
    } else {
      const g = await generateAllStage(doc, id, ctx);
      if (!g.ok) return fail({ ...g.rejection, kind: "pair" });
      drafts = g.value;
    }
    result.pairsGenerated = drafts.length;

    // Deterministic leakage guard before paying for a check call.
    const toCheck: PairDraft[] = [];
    for (const d of drafts) {
      if (leaksVerbatim(d)) result.rejections.push(rejectPair(doc, "check", "answer_in_question", d, "the answer stands verbatim in the question"));
      else toCheck.push(d);
    }

    // Check.
    let verdicts: Outcome<CheckVerdict>[] = [];
    if (toCheck.length > 0) {
      verdicts = config.plan === "paper" ? await Promise.all(toCheck.map((d) => checkStage(doc, d, ctx))) : await checkAllStage(doc, toCheck, ctx);
    }
    toCheck.forEach((d, k) => {
      const v = verdicts[k]!;
      if (!v.ok) return void result.rejections.push(v.rejection);
      result.pairsChecked++;
      const failure = verdictFailure(v.value);
      if (failure) result.rejections.push(rejectPair(doc, "check", failure, d, v.value.reason, v.raw));
      else result.accepted.push(buildQaRecord(doc, d, v.value, models));
    });
    return result;
  };
}

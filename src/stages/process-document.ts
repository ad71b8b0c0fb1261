/**
 * One document (or window) through the LLM stages of the chosen plan. Returns everything
 * the document produced; the orchestrator writes it. Throws TransientFailure when the model
 * layer could not be reached, so the document stays unfinished and is redone on resume.
 *
 * The order of a document's pairs: generate → deterministic guards and same-document
 * duplicates (no model call) → the verifier with the document → the blind answerability
 * judge (question only) for the pairs the verifier kept → accepted.
 */
import type { Doc, QaRecord, Rejection } from "../records.js";
import { filterStage } from "./filter.js";
import { identifySchema, identifyStage, type Identified } from "./identify.js";
import { generateStage } from "./generate.js";
import { checkStage } from "./check.js";
import { answerableAllStage, answerableStage } from "./answerable.js";
import { checkAllStage, filterIdentifySchema, filterIdentifyStage, generateAllStage } from "./efficient.js";
import { buildQaRecord, rejectPair, verdictDetail, verdictFailure, type CheckVerdict, type PairDraft } from "./pairs.js";
import { DEFAULT_MAX_ANSWER_WORDS, guardPair } from "../quality/guards.js";
import { distinctPairs } from "./distinct-pairs.js";
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
  /** Pairs that got a verifier's verdict (accepted, or rejected by the verifier or the answerability judge). */
  pairsChecked: number;
}

export interface ProcessHooks {
  /** Domain quota (curation): false = skip generation for this domain. */
  quotaAllows?: (domain: string) => boolean;
}

export function planStages(plan: "paper" | "efficient"): string[] {
  return plan === "paper" ? ["filter", "identify", "generate", "check", "answerable"] : ["filter_identify", "generate_all", "check_all", "answerable_all"];
}

type Verified = { draft: PairDraft; verdict: CheckVerdict };

export function makeProcessor(base: Omit<StageContext, "system">, hooks: ProcessHooks = {}) {
  const { config, llm } = base;
  const paper = config.plan === "paper";
  // The handbook and the schemas depend on the configured domains and persona count only: build them once.
  const ctx: StageContext = { ...base, system: handbook(config.domains, config.personas) };
  const models = Object.fromEntries(planStages(config.plan).map((s) => [s, llm.modelFor(s)]));
  const idSchema = identifySchema(config.domains, config.personas);
  const fiSchema = filterIdentifySchema(config.domains, config.personas);

  /** Filter and identify (one call in the efficient plan). */
  async function identify(doc: Doc, result: DocResult): Promise<Identified | undefined> {
    if (paper) {
      const f = await filterStage(doc, ctx);
      if (!f.ok) return void result.rejections.push(f.rejection);
      result.reached = "filter";
      const i = await identifyStage(doc, ctx, idSchema);
      if (!i.ok) return void result.rejections.push(i.rejection);
      return i.value;
    }
    const fi = await filterIdentifyStage(doc, ctx, fiSchema);
    if (!fi.ok) return void result.rejections.push(fi.rejection);
    result.reached = "filter";
    return fi.value;
  }

  async function generate(doc: Doc, id: Identified, result: DocResult): Promise<PairDraft[]> {
    if (paper) {
      const outs = await Promise.all(id.personas.map((_, i) => generateStage(doc, id.domain, id.personas, i, ctx)));
      return outs.flatMap((o) => (o.ok ? [o.value] : (result.rejections.push(o.rejection), [])));
    }
    const g = await generateAllStage(doc, id, ctx);
    if (!g.ok) return result.rejections.push({ ...g.rejection, kind: "pair" }), [];
    return g.value;
  }

  /**
   * The checks that need no model: the deterministic pair guards (src/quality, the same ones
   * curation runs; `check.<code>`, a sentence answer goes on reduced to its core), then a pair
   * that repeats an earlier pair's point.
   */
  function guard(doc: Doc, drafts: PairDraft[], result: DocResult): PairDraft[] {
    const clean: PairDraft[] = [];
    const guardOpts = { maxAnswerWords: config.curate.maxAnswerWords ?? DEFAULT_MAX_ANSWER_WORDS };
    for (const d of drafts) {
      const g = guardPair(d, guardOpts);
      if (!g.ok) result.rejections.push(rejectPair(doc, "check", g.code, d, g.detail));
      else clean.push(g.reducedFrom ? { ...d, answer: g.answer, answer_type: g.answer_type, answer_original: g.reducedFrom } : d);
    }
    const { kept, duplicates } = distinctPairs(clean);
    for (const { pair, of } of duplicates) result.rejections.push(rejectPair(doc, "check", "duplicate_pair", pair, `same answer and nearly the same question as the pair for ${of.persona}`));
    return kept;
  }

  async function verify(doc: Doc, drafts: PairDraft[], result: DocResult): Promise<Verified[]> {
    if (drafts.length === 0) return [];
    const outs: Outcome<CheckVerdict>[] = paper ? await Promise.all(drafts.map((d) => checkStage(doc, d, ctx))) : await checkAllStage(doc, drafts, ctx);
    const verified: Verified[] = [];
    drafts.forEach((draft, k) => {
      const v = outs[k]!;
      if (!v.ok) return void result.rejections.push(v.rejection);
      result.pairsChecked++;
      const failure = verdictFailure(v.value);
      if (failure) result.rejections.push(rejectPair(doc, "check", failure, draft, verdictDetail(v.value), v.raw));
      else verified.push({ draft, verdict: v.value });
    });
    return verified;
  }

  /** The blind judge: only pairs whose question alone leads to their answer are accepted. */
  async function acceptAnswerable(doc: Doc, verified: Verified[], result: DocResult): Promise<void> {
    if (verified.length === 0) return;
    const drafts = verified.map((v) => v.draft);
    const outs = paper ? await Promise.all(drafts.map((d) => answerableStage(doc, d, ctx))) : await answerableAllStage(doc, drafts, ctx);
    verified.forEach(({ draft, verdict }, k) => {
      const a = outs[k]!;
      if (!a.ok) return void result.rejections.push(a.rejection);
      if (!a.value.answerable) result.rejections.push(rejectPair(doc, "answerable", "not_answerable", draft, `needs: ${a.value.needs}`, a.raw));
      else result.accepted.push(buildQaRecord(doc, draft, verdict, models));
    });
  }

  return async function processDocument(doc: Doc): Promise<DocResult> {
    const result: DocResult = { doc, reached: "prefilter", accepted: [], rejections: [], pairsGenerated: 0, pairsChecked: 0 };
    const id = await identify(doc, result);
    if (!id) return result;
    result.reached = "identify";
    result.domain = id.domain;
    if (hooks.quotaAllows && !hooks.quotaAllows(id.domain)) {
      result.rejections.push(rejectDoc(doc, "quota", "skipped", `quota for ${id.domain} is full: generation skipped`));
      return result;
    }
    result.reached = "generate";
    const drafts = await generate(doc, id, result);
    result.pairsGenerated = drafts.length;
    const verified = await verify(doc, guard(doc, drafts, result), result);
    await acceptAnswerable(doc, verified, result);
    return result;
  };
}

/**
 * The pass rates an estimate assumes, and the model calls per unit they imply.
 *
 * The dry run (sample.ts) measures what one call of each stage costs, with every verdict
 * passing; how many calls a run makes depends on how many units and pairs pass each stage,
 * which no dry run can know. Two sources:
 *
 * - **The paper's funnel** (default). Cen et al. (2025) report the pipeline's end points only:
 *   about 1M documents in, about 1.2M QA pairs out, with up to 3 personas per document
 *   (DESIGN.md, "The method"). They publish no per-stage rates, so the split below is ours,
 *   chosen so that with 3 personas the product is that 1.2 pairs per document: the LLM filter
 *   keeps 60 % of the units the prefilter passed, the classifier names every persona allowed,
 *   each persona gets its pair, 95 % of pairs pass the guards and the same-document duplicate
 *   check, the verifier keeps 75 % and the blind judge 94 % (0.6 × 3 × 0.95 × 0.75 × 0.94 =
 *   1.2). The efficient plan's per-document check and judge calls are made when at least one
 *   pair is left, taking pairs as independent.
 * - **A previous run** (`--like DIR`): its stats.json funnel gives each rate, and its llm
 *   counters the persona count, the efficient plan's per-document call shares, the attempts
 *   per call (retries and corrective turns are paid requests) and the reply tokens per
 *   request of each stage it ran.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/load.js";
import { Stats } from "../records.js";

export interface Funnel {
  /** "paper" or the --like folder. */
  source: string;
  /** Units the prefilter passed that the LLM filter keeps. */
  filter_pass: number;
  /** Of those, units the classifier answers for (the paper plan's own call; 1 in the efficient plan's joint call). */
  identify_pass: number;
  /** Personas named per classified unit: one write call each in the paper plan. */
  personas_per_doc: number;
  /** Pairs written per persona (a write call can fail). */
  pairs_per_persona: number;
  /** Pairs that pass the guards and the duplicate check and reach the verifier. */
  to_verifier: number;
  /** Pairs the verifier keeps: they go to the blind judge. */
  check_pass: number;
  /** Pairs the blind judge finds answerable: accepted. */
  answerable_pass: number;
  /** Efficient plan: classified units that send a check_all call (at least one pair left), and an answerable_all call. */
  check_call_share: number;
  judge_call_share: number;
  /** Requests per call by stage (retries, corrective turns); 1 where not measured. */
  attempts_per_call: Record<string, number>;
  /** Reply tokens per request by stage, where a previous run measured them. */
  completion_per_request: Record<string, number>;
}

/** The paper's 1.2 pairs per document, split as the module comment says. */
export const PAPER_FUNNEL = { filter_pass: 0.6, identify_pass: 1, pairs_per_persona: 1, to_verifier: 0.95, check_pass: 0.75, answerable_pass: 0.94 } as const;

/** Share of units with at least one of `personas` pairs left, each left with probability `p`. */
const anyLeft = (p: number, personas: number) => 1 - Math.pow(1 - p, personas);

export function paperFunnel(personas: number): Funnel {
  const f = PAPER_FUNNEL;
  return {
    source: "paper",
    ...f,
    personas_per_doc: personas,
    check_call_share: anyLeft(f.pairs_per_persona * f.to_verifier, personas),
    judge_call_share: anyLeft(f.pairs_per_persona * f.to_verifier * f.check_pass, personas),
    attempts_per_call: {},
    completion_per_request: {},
  };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** The funnel of a previous run's stats.json (its folder, as `run --out` wrote it). */
export function funnelLike(dir: string): Funnel {
  const path = join(dir, "stats.json");
  if (!existsSync(path)) throw new ConfigError(`--like ${dir}: no stats.json there (give the --out folder of a run; a sharded run needs \`webscale-rl merge ${dir}\` first)`);
  let stats: Stats;
  try {
    stats = Stats.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch (err) {
    throw new ConfigError(`--like ${dir}: stats.json is not a run's statistics (${(err as Error).message.split("\n")[0]})`);
  }
  const fu = stats.funnel;
  if (fu.prefilter_passed === 0) throw new ConfigError(`--like ${dir}: the run took no document through the model stages, so it has no pass rates`);
  const by = stats.llm.by_stage;
  // Calls the stages made: requests sent less their retries, plus replies the response cache answered.
  const calls = (stage: string) => (by[stage] ? by[stage].requests - by[stage].retries + (by[stage].cache_hits ?? 0) : 0);
  const paperPlan = calls("generate") > 0 || calls("filter") > 0;
  const judged = fu.pairs_accepted + (stats.rejections["answerable.not_answerable"] ?? 0) + (stats.rejections["answerable.invalid_output"] ?? 0);
  // The paper plan makes one write call per persona; the efficient plan's pairs are one per persona it listed.
  const personas = paperPlan ? ratio(calls("generate"), fu.identified) : ratio(fu.pairs_generated, fu.identified);
  const pairsPerPersona = paperPlan ? ratio(fu.pairs_generated, calls("generate")) : 1;
  const toVerifier = ratio(fu.pairs_checked, fu.pairs_generated);
  const checkPass = ratio(judged, fu.pairs_checked);
  const attempts: Record<string, number> = {};
  const completion: Record<string, number> = {};
  for (const [stage, c] of Object.entries(by)) {
    if (c.requests === 0) continue;
    attempts[stage] = c.requests / Math.max(1, c.requests - c.retries);
    completion[stage] = c.completion_tokens / c.requests;
  }
  return {
    source: dir,
    filter_pass: ratio(fu.filter_passed, fu.prefilter_passed),
    identify_pass: ratio(fu.identified, fu.filter_passed),
    personas_per_doc: personas,
    pairs_per_persona: pairsPerPersona,
    to_verifier: toVerifier,
    check_pass: checkPass,
    answerable_pass: ratio(fu.pairs_accepted, judged),
    check_call_share: paperPlan ? anyLeft(pairsPerPersona * toVerifier, Math.round(personas)) : ratio(calls("check_all"), fu.identified),
    judge_call_share: paperPlan ? anyLeft(pairsPerPersona * toVerifier * checkPass, Math.round(personas)) : ratio(calls("answerable_all"), fu.identified),
    attempts_per_call: attempts,
    completion_per_request: completion,
  };
}

/** Per stage: calls per unit that passed the prefilter, and the items (personas, pairs, questions) each call carries. */
export function callsPerUnit(plan: "paper" | "efficient", f: Funnel): Record<string, { calls: number; items: number }> {
  const classified = f.filter_pass * f.identify_pass;
  const pairs = classified * f.personas_per_doc * f.pairs_per_persona;
  const verified = pairs * f.to_verifier;
  const judged = verified * f.check_pass;
  if (plan === "paper") {
    return {
      filter: { calls: 1, items: 1 },
      identify: { calls: f.filter_pass, items: f.personas_per_doc },
      generate: { calls: classified * f.personas_per_doc, items: 1 },
      check: { calls: verified, items: 1 },
      answerable: { calls: judged, items: 1 },
    };
  }
  const checkCalls = classified * f.check_call_share;
  const judgeCalls = classified * f.judge_call_share;
  return {
    filter_identify: { calls: 1, items: f.personas_per_doc },
    generate_all: { calls: classified, items: f.personas_per_doc },
    check_all: { calls: checkCalls, items: ratio(verified, checkCalls) },
    answerable_all: { calls: judgeCalls, items: ratio(judged, judgeCalls) },
  };
}

/** Accepted pairs per unit that passed the prefilter. */
export function acceptedPerUnit(f: Funnel): number {
  return f.filter_pass * f.identify_pass * f.personas_per_doc * f.pairs_per_persona * f.to_verifier * f.check_pass * f.answerable_pass;
}

/**
 * Measures the rules on alias data (TriviaQA-style items: an answer and its accepted aliases).
 * Positives: each alias of an item scored against that item's answer. Negatives: the answer of
 * another item scored against this item. Two settings: "with_aliases" passes the alias list as
 * accepted forms (how labels carrying aliases are scored); "answer_only" gives the rules the bare
 * answer, so every alias must be recognised by normalisation, numbers, dates, F1 or acronyms.
 */
import { normalizeAnswer } from "./normalize.js";
import type { RuleOptions } from "./rules.js";
import { Scorer } from "./score.js";

export interface AliasItem {
  answer: string;
  aliases: string[];
}

export interface AliasEvalResult {
  setting: "with_aliases" | "answer_only";
  positives: number;
  negatives: number;
  /** Share of all pairs decided (match or mismatch) by the rules without a judge. */
  decided_share: number;
  /** Rule matches that are true positives. */
  precision: number;
  /** True positives among positives the rules decided. */
  recall_decided: number;
  /** True positives among all positives. */
  recall: number;
  tp: number;
  fp: number;
  fn_decided: number;
  undecided_pos: number;
  undecided_neg: number;
  examples: { false_positives: Array<[string, string]>; false_negatives: Array<[string, string]> };
}

export function parseAliasItems(jsonl: string): AliasItem[] {
  const out: AliasItem[] = [];
  for (const line of jsonl.split("\n")) {
    if (line.trim() === "") continue;
    const o = JSON.parse(line) as { answer?: unknown; aliases?: unknown };
    if (typeof o.answer !== "string") continue;
    out.push({ answer: o.answer, aliases: Array.isArray(o.aliases) ? o.aliases.filter((a): a is string => typeof a === "string") : [] });
  }
  return out;
}

/** `negativesPerItem` other items' answers are tried against each item (deterministic stride). */
export function evaluateAliases(items: AliasItem[], setting: AliasEvalResult["setting"], opts: RuleOptions = {}, negativesPerItem = 3): AliasEvalResult {
  const scorer = new Scorer(opts);
  const r: AliasEvalResult = {
    setting, positives: 0, negatives: 0, decided_share: 0, precision: 0, recall_decided: 0, recall: 0,
    tp: 0, fp: 0, fn_decided: 0, undecided_pos: 0, undecided_neg: 0, examples: { false_positives: [], false_negatives: [] },
  };
  const wrap = (a: string) => `Reasoning about the question first.\n<answer>${a}</answer>`;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const aliases = setting === "with_aliases" ? it.aliases : undefined;
    const accepted = new Set([it.answer, ...it.aliases].map(normalizeAnswer));
    for (const alias of it.aliases) {
      if (setting === "answer_only" && alias === it.answer) continue;
      r.positives++;
      const v = scorer.scoreRules({ groundTruth: it.answer, aliases, response: wrap(alias) }).verdict;
      if (v === "match") r.tp++;
      else if (v === "mismatch") {
        r.fn_decided++;
        if (r.examples.false_negatives.length < 15) r.examples.false_negatives.push([it.answer, alias]);
      } else r.undecided_pos++;
    }
    for (let k = 1; k <= negativesPerItem; k++) {
      const other = items[(i + k * 97) % items.length];
      // Two items may share an answer; that pair is not a negative.
      if (other === it || accepted.has(normalizeAnswer(other.answer))) continue;
      r.negatives++;
      const v = scorer.scoreRules({ groundTruth: it.answer, aliases, response: wrap(other.answer) }).verdict;
      if (v === "match") {
        r.fp++;
        if (r.examples.false_positives.length < 15) r.examples.false_positives.push([it.answer, other.answer]);
      } else if (v === "undecided") r.undecided_neg++;
    }
  }
  const total = r.positives + r.negatives;
  const round = (x: number) => Math.round(x * 10000) / 10000;
  r.decided_share = round(total ? (total - r.undecided_pos - r.undecided_neg) / total : 0);
  r.precision = round(r.tp + r.fp ? r.tp / (r.tp + r.fp) : 1);
  r.recall_decided = round(r.tp + r.fn_decided ? r.tp / (r.tp + r.fn_decided) : 1);
  r.recall = round(r.positives ? r.tp / r.positives : 1);
  return r;
}

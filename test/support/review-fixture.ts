/**
 * A small run directory for review tests: kept pairs over three domains with their
 * documents, one hostile pair (script and img payloads in the question, answer, persona and
 * document), and rejected pairs, so every part of the review page has something to show.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DocumentRecord, QaRecord, Rejection } from "../../src/records.js";
import { runPaths } from "../../src/io/run-dir.js";
import { BREAKOUT_PAYLOAD, IMG_PAYLOAD, SCRIPT_PAYLOAD } from "./report-fixture.js";

export const HOSTILE_ID = "pair-hostile";
export const DOMAINS = ["Math", "Natural Science", "Travel & Lifestyle"] as const;

export function reviewPair(i: number, domain: string): QaRecord {
  return {
    id: `pair-${String(i).padStart(3, "0")}`,
    question: `In the town of Ardmore${i}, the ferry leaves at 7:${String(i % 60).padStart(2, "0")}; how many crossings run on a weekday, given ${i + 3} in total?`,
    answer: String(i + 3),
    answer_type: "number",
    domain,
    persona: "commuter",
    persona_focus: "the timetable",
    doc_id: `doc-${i}`,
    source: { file: "corpus.jsonl", line: i + 1 },
    checks: { correct: true, grounded: true, self_contained: true, leakage: false, unique: true, answerable: true },
    models: { generate: "m", check: "m" },
    prompt_version: "wsrl-p3",
    aliases: [`${i + 3} crossings`],
  };
}

/** Writes `kept` pairs (domains in the ratio 1:2:3 over DOMAINS), the hostile pair last, and `rejected` rejected pairs. */
export function makeReviewRun(dir: string, kept = 12, rejected = 3): { pairs: QaRecord[]; rejections: Rejection[] } {
  const paths = runPaths(dir);
  for (const p of [paths.qa, paths.documents, paths.rejected]) mkdirSync(p, { recursive: true });
  const pairs: QaRecord[] = [];
  const docs: DocumentRecord[] = [];
  for (let i = 0; i < kept; i++) {
    const domain = DOMAINS[[0, 1, 1, 2, 2, 2][i % 6]];
    const p = reviewPair(i, domain);
    pairs.push(p);
    docs.push({ doc_id: p.doc_id, text: `Timetable for Ardmore${i}. On weekdays there are ${i + 3} crossings; the first leaves early.`, source: p.source, domain });
  }
  const hostile: QaRecord = {
    ...reviewPair(999, "Natural Science"),
    id: HOSTILE_ID,
    question: `How often does the Zorblax comet return? ${SCRIPT_PAYLOAD}${BREAKOUT_PAYLOAD}`,
    answer: `76 years ${IMG_PAYLOAD}`,
    answer_type: "short_phrase",
    persona: `astronomer ${IMG_PAYLOAD}`,
    doc_id: "doc-hostile",
    aliases: ["76 years"],
  };
  pairs.push(hostile);
  docs.push({ doc_id: "doc-hostile", text: `The Zorblax comet ${SCRIPT_PAYLOAD} returns every 76 years ${IMG_PAYLOAD} ${BREAKOUT_PAYLOAD}.`, source: hostile.source });
  const rejections: Rejection[] = [];
  for (let i = 0; i < rejected; i++) {
    rejections.push({
      kind: "pair",
      stage: "check",
      reason: i % 2 ? "check.not_grounded" : "answerable.not_answerable",
      detail: "the verifier's short reason",
      doc_id: `doc-${i}`,
      source: { file: "corpus.jsonl", line: i + 1 },
      pair: { question: `Which pier does ferry ${i} use in Ardmore${i}?`, answer: `Pier ${i}`, answer_type: "entity", persona: "tourist", domain: DOMAINS[i % 3] },
    });
  }
  rejections.push({ kind: "document", stage: "prefilter", reason: "prefilter.too_short", doc_id: "tiny", source: { file: "corpus.jsonl", line: 99 } });
  writeFileSync(join(paths.qa, "part-main-00000.jsonl"), pairs.map((p) => JSON.stringify(p)).join("\n") + "\n");
  writeFileSync(join(paths.documents, "part-main-00000.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
  writeFileSync(join(paths.rejected, "part-main-00000.jsonl"), rejections.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return { pairs, rejections };
}

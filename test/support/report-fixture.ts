/**
 * A run directory for report tests: the shared synthetic run plus hostile web content in a
 * source document, a generated answer, a persona and a rejection, a timeline, and rejected
 * records. The payloads set window.__pwned if they ever run.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DocumentRecord, QaRecord, Rejection, Stats } from "../../src/records.js";
import { runPaths } from "../../src/io/run-dir.js";
import { makeSyntheticRun, SYNTHETIC_MODELS } from "./synthetic-run.js";
import { entryFor } from "./rollout-fixture.js";
import { fnv1a32 } from "../../src/util/hash.js";

export const SCRIPT_PAYLOAD = "<script>window.__pwned=(window.__pwned||0)+1</script>";
export const IMG_PAYLOAD = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">';
export const BREAKOUT_PAYLOAD = "</script><!--<script>window.__pwned=1</script>";
export const HOSTILE_DOC_ID = "doc-hostile";

export function makeReportRun(dir: string, pairs = 300): void {
  makeSyntheticRun(dir, { pairs, seed: 7 });
  const paths = runPaths(dir);
  const source = { file: `corpus/evil${IMG_PAYLOAD}.jsonl`, line: 1, url: "https://example.org/evil" };
  const doc: DocumentRecord = {
    doc_id: HOSTILE_DOC_ID,
    text: `A page about the Zorblax comet ${SCRIPT_PAYLOAD} which returns every 76 years ${IMG_PAYLOAD} ${BREAKOUT_PAYLOAD}.`,
    source,
    domain: "Natural Science",
  };
  appendFileSync(join(paths.documents, "part-00000.jsonl"), JSON.stringify(doc) + "\n");
  const qa: QaRecord = {
    id: "hostile-1",
    question: `How often does the Zorblax comet return? ${BREAKOUT_PAYLOAD}`,
    answer: `76 years ${SCRIPT_PAYLOAD} ${IMG_PAYLOAD}`,
    answer_type: "short_phrase",
    domain: "Natural Science",
    persona: `amateur astronomer ${IMG_PAYLOAD}`,
    doc_id: HOSTILE_DOC_ID,
    source,
    checks: { correct: true, grounded: true, self_contained: true, leakage: false },
    models: SYNTHETIC_MODELS,
    prompt_version: "wsrl-p1",
  };
  appendFileSync(join(paths.qa, "part-00000.jsonl"), JSON.stringify(qa) + "\n");

  mkdirSync(paths.rejected, { recursive: true });
  const rejections: Rejection[] = [
    {
      kind: "pair",
      stage: "check",
      reason: "check.not_grounded",
      detail: `the answer is not in the document ${IMG_PAYLOAD}`,
      doc_id: HOSTILE_DOC_ID,
      source,
      pair: { question: "What colour is the Zorblax comet's tail?", answer: `green ${SCRIPT_PAYLOAD}`, answer_type: "entity", persona: "stargazer", domain: "Natural Science" },
      raw: `{"grounded": false} ${BREAKOUT_PAYLOAD}`,
    },
    ...Array.from({ length: 40 }, (_, i): Rejection => ({ kind: "document", stage: "prefilter", reason: "prefilter.too_short", doc_id: `short-${i}`, source: { file: "corpus/shard-0.jsonl", line: 1000 + i } })),
    ...Array.from({ length: 12 }, (_, i): Rejection => ({
      kind: "pair",
      stage: "check",
      reason: "check.leakage",
      doc_id: `doc-${i}`,
      source: { file: "corpus/shard-1.jsonl", line: i + 1 },
      pair: { question: `Which value is ${i}?`, answer: String(i), answer_type: "number", persona: "teacher", domain: "Math" },
    })),
  ];
  writeFileSync(join(paths.rejected, "part-00000.jsonl"), rejections.map((r) => JSON.stringify(r)).join("\n") + "\n");

  const stats = JSON.parse(readFileSync(paths.stats, "utf8")) as Stats;
  stats.rejections[`check.weird${IMG_PAYLOAD}`] = 1;
  stats.timeline = Array.from({ length: 6 }, (_, i) => ({ t: i * 20, documents: i * 30 + (i % 2) * 5, accepted: i * 50, prompt_tokens: i * 40_000, completion_tokens: i * 6_000 }));
  stats.llm.by_stage.check = { ...stats.llm.by_stage.generate, requests: 10 };
  stats.llm.by_model["gpt-4.1-mini"] = { ...stats.llm.by_model["gpt-4.1"], requests: 10 };
  writeFileSync(paths.stats, JSON.stringify(stats));
}

/** The models of `addRollouts`: the second one's name carries a payload (chart titles and tables must escape it). */
export const ROLLOUT_MODELS = ["Qwen/Qwen2.5-3B-Instruct", `strong-model ${IMG_PAYLOAD}`];

/**
 * Gives the run's pairs pass rates, as `webscale-rl rollout` would: every 6th pair is not
 * measured; the others get k/8 right under the first model (k from the pair's id) and more
 * under the second. Also a stats.json rollout block. Returns how many pairs were measured.
 */
export function addRollouts(dir: string): number {
  const paths = runPaths(dir);
  let measured = 0;
  let n = 0;
  for (const f of readdirSync(paths.qa).sort()) {
    const lines = readFileSync(join(paths.qa, f), "utf8").split("\n").filter(Boolean);
    const out = lines.map((line) => {
      const rec = JSON.parse(line) as QaRecord;
      if (n++ % 6 === 5) return line;
      measured++;
      const k = fnv1a32(rec.id) % 9;
      rec.rollout = [entryFor(ROLLOUT_MODELS[0]!, k), entryFor(ROLLOUT_MODELS[1]!, Math.min(8, k + 3))];
      return JSON.stringify(rec);
    });
    writeFileSync(join(paths.qa, f), out.join("\n") + "\n");
  }
  const stats = JSON.parse(readFileSync(paths.stats, "utf8")) as Stats;
  stats.rollout = { samples: measured * 16, sample_requests: measured * 2, samples_per_second: 812.5, prompt_tokens_per_sample: 9.4, settings: { samples: 8, temperature: 1, max_tokens: 1024 } };
  writeFileSync(paths.stats, JSON.stringify(stats));
  return measured;
}

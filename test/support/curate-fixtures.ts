/** Fixtures shared by the curation tests: a QA record builder and varied unrelated questions. */
import type { QaRecord } from "../../src/records.js";

export function qa(id: string, question: string, answer = "Paris", extra: Partial<QaRecord> = {}): QaRecord {
  return {
    id, question, answer, answer_type: "entity", domain: "Other", persona: "p", doc_id: `doc-${id}`,
    source: { file: "in.jsonl", line: 1 },
    checks: { correct: true, grounded: true, self_contained: true, leakage: false },
    models: {}, prompt_version: "t", ...extra,
  };
}

/** Varied, unrelated questions: random words from a made-up vocabulary (seeded). */
export function unrelated(n = 480, seed = 7): string[] {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const syl = ["ka", "lo", "mi", "ter", "van", "os", "ri", "dun", "pel", "sa", "gor", "ix", "ne", "tu", "bra", "fe"];
  const vocab = Array.from({ length: 600 }, () => Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => syl[Math.floor(rnd() * syl.length)]).join(""));
  return Array.from({ length: n }, () => {
    const len = 12 + Math.floor(rnd() * 10);
    return "What " + Array.from({ length: len }, () => vocab[Math.floor(rnd() * vocab.length)]).join(" ") + "?";
  });
}


/**
 * Builds a schema-valid run directory without a model: QA records spread over domains,
 * personas and answer types, the documents they came from, a consistent stats.json and a
 * run.json. For tests and benches of everything that reads a run (export, report, curate).
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ANSWER_TYPES, type AnswerType, type DocumentRecord, type QaRecord, type Stats } from "../../src/records.js";
import { DEFAULT_DOMAINS } from "../../src/config/schema.js";
import { runPaths } from "../../src/io/run-dir.js";
import { shortHash } from "../../src/util/hash.js";
import { PROMPT_VERSION, VERSION } from "../../src/version.js";
import { seededRandom as prng } from "../../src/util/random.js";

export interface SyntheticRunOptions {
  pairs: number;
  /** Domains to spread pairs over (default: the paper's ten). Shares are deliberately unequal. */
  domains?: string[];
  seed?: number;
  /** Write documents/ (default true). */
  withDocuments?: boolean;
  /** Records per part file (default 50 000), so big runs have several parts. */
  partRecords?: number;
  /** Approximate characters per document text (default 600). */
  docChars?: number;
  /** Malformed lines appended to the first QA part (half broken JSON, half schema-invalid). */
  badLines?: number;
}

export interface SyntheticRunInfo {
  pairs: number;
  documents: number;
  /** Domain → pairs. */
  domains: Record<string, number>;
  /** doc_id → text, only for runs under 5 000 pairs (tests compare against it). */
  docText?: Map<string, string>;
}

export const SYNTHETIC_MODELS = { filter: "gpt-4.1", identify: "gpt-4.1-mini", generate: "gpt-4.1", check: "gpt-4.1-mini" };

const PERSONAS = ["curious student", "domain expert", "journalist", "practitioner", "teacher", "policy analyst", "hobbyist"];
const WORDS = "the of energy river market protein algorithm theorem museum tariff vaccine curriculum orbit lattice harbor".split(" ");


function answerFor(type: AnswerType, n: number): string {
  switch (type) {
    case "number": return String(n % 1000);
    case "date": return `${1900 + (n % 120)}-0${1 + (n % 9)}-1${n % 9}`;
    case "yes_no": return n % 2 ? "yes" : "no";
    case "list": return `alpha, beta, ${WORDS[n % WORDS.length]}`;
    case "formula": return `x^${2 + (n % 5)} + ${n % 7}`;
    case "entity": return `Entity ${n % 503}`;
    default: return `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]}`;
  }
}

export function makeSyntheticRun(dir: string, opts: SyntheticRunOptions): SyntheticRunInfo {
  const rand = prng(opts.seed ?? 1);
  const domains = opts.domains ?? [...DEFAULT_DOMAINS];
  const partRecords = opts.partRecords ?? 50_000;
  const withDocuments = opts.withDocuments ?? true;
  const docChars = opts.docChars ?? 600;
  // Unequal weights (1, 2, 3, ...) so stratification is actually exercised.
  const weights = domains.map((_, i) => i + 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const pickDomain = (): string => {
    let r = rand() * totalWeight;
    for (let i = 0; i < domains.length; i++) if ((r -= weights[i]) < 0) return domains[i];
    return domains[domains.length - 1];
  };

  const paths = runPaths(dir);
  mkdirSync(paths.qa, { recursive: true });
  if (withDocuments) mkdirSync(paths.documents, { recursive: true });

  const info: SyntheticRunInfo = { pairs: 0, documents: 0, domains: {}, docText: opts.pairs < 5000 ? new Map() : undefined };
  let qaBuf: string[] = [];
  let docBuf: string[] = [];
  let qaPart = 0;
  let docPart = 0;
  let qaInPart = 0;
  let docInPart = 0;
  const partName = (i: number) => `part-${String(i).padStart(5, "0")}.jsonl`;
  const flushQa = () => {
    if (qaBuf.length) appendFileSync(join(paths.qa, partName(qaPart)), qaBuf.join(""));
    qaBuf = [];
  };
  const flushDocs = () => {
    if (docBuf.length) appendFileSync(join(paths.documents, partName(docPart)), docBuf.join(""));
    docBuf = [];
  };

  let docIndex = 0;
  while (info.pairs < opts.pairs) {
    const domain = pickDomain();
    const docId = `doc-${docIndex}`;
    const file = `corpus/shard-${docIndex % 4}.jsonl`;
    const source = { file, line: docIndex + 1, url: `https://example.org/${domain.replace(/\W+/g, "-").toLowerCase()}/${docIndex}` };
    const personaCount = 1 + Math.floor(rand() * 3);
    let text = `Document ${docIndex} about ${domain}.`;
    while (text.length < docChars) text += ` ${WORDS[Math.floor(rand() * WORDS.length)]}`;
    let yielded = 0;
    for (let p = 0; p < personaCount && info.pairs < opts.pairs; p++) {
      const n = info.pairs;
      const persona = PERSONAS[(docIndex + p) % PERSONAS.length];
      const answerType = ANSWER_TYPES[Math.floor(rand() * ANSWER_TYPES.length)];
      const question = `As a ${persona}: in the ${domain} setting of item ${n}, what value does the ${WORDS[n % WORDS.length]} take?`;
      const answer = answerFor(answerType, n);
      const rec: QaRecord = {
        id: shortHash(docId, persona, question, answer),
        question,
        answer,
        answer_type: answerType,
        domain,
        persona,
        doc_id: docId,
        source,
        checks: { correct: true, grounded: true, self_contained: true, leakage: false },
        models: SYNTHETIC_MODELS,
        prompt_version: PROMPT_VERSION,
        ...(n % 5 === 0 ? { aliases: [answer.toUpperCase()] } : {}),
        ...(answerType === "list" ? { ordered: n % 2 === 0 } : {}),
      };
      qaBuf.push(JSON.stringify(rec) + "\n");
      info.pairs++;
      info.domains[domain] = (info.domains[domain] ?? 0) + 1;
      yielded++;
      if (++qaInPart >= partRecords) {
        flushQa();
        qaPart++;
        qaInPart = 0;
      } else if (qaBuf.length >= 10_000) flushQa();
    }
    if (withDocuments && yielded > 0) {
      const doc: DocumentRecord = { doc_id: docId, text, source, domain };
      docBuf.push(JSON.stringify(doc) + "\n");
      info.documents++;
      info.docText?.set(docId, text);
      if (++docInPart >= partRecords) {
        flushDocs();
        docPart++;
        docInPart = 0;
      } else if (docBuf.length >= 5_000) flushDocs();
    }
    docIndex++;
  }
  flushQa();
  flushDocs();

  const bad = opts.badLines ?? 0;
  if (bad > 0) {
    const lines: string[] = [];
    for (let i = 0; i < bad; i++) lines.push(i % 2 ? `{"id": "broken-${i}", "question": ` : JSON.stringify({ id: `invalid-${i}`, question: "" }));
    appendFileSync(join(paths.qa, partName(0)), lines.join("\n") + "\n");
  }

  const docsRead = Math.round(docIndex * 1.6);
  const pairsGenerated = Math.round(info.pairs * 1.25);
  const counters = { requests: docIndex * 4, retries: 3, errors: 1, prompt_tokens: docIndex * 2000, completion_tokens: docIndex * 300, cached_prompt_tokens: docIndex * 900 };
  const stats: Stats = {
    documents_read: docsRead,
    documents_finished: docsRead,
    qa_accepted: info.pairs,
    funnel: {
      documents_read: docsRead,
      prefilter_passed: Math.round(docsRead * 0.85),
      filter_passed: docIndex + 7,
      identified: docIndex + 7,
      pairs_generated: pairsGenerated,
      pairs_checked: pairsGenerated,
      pairs_accepted: info.pairs,
    },
    rejections: {
      "prefilter.too_short": docsRead - Math.round(docsRead * 0.85),
      "filter.low_quality": Math.round(docsRead * 0.85) - docIndex - 7,
      "check.leakage": pairsGenerated - info.pairs,
    },
    llm: { ...counters, by_stage: { generate: counters }, by_model: { "gpt-4.1": counters } },
    wall_seconds: 100,
    throughput: { documents_per_second: docsRead / 100, pairs_per_second: info.pairs / 100, tokens_per_second: (counters.prompt_tokens + counters.completion_tokens) / 100 },
    domains: info.domains,
  };
  writeFileSync(paths.stats, JSON.stringify(stats, null, 2));
  writeFileSync(
    paths.run,
    JSON.stringify(
      { version: VERSION, prompt_version: PROMPT_VERSION, config: { inputs: ["corpus/*.jsonl"], out: dir, seed: opts.seed ?? 1, domains }, models: SYNTHETIC_MODELS },
      null,
      2,
    ),
  );
  return info;
}

/**
 * A reproduction of the public reference implementation's call pattern (NOT our pipeline),
 * for the token-economy comparison: a pool of 10 workers, each taking one document through its
 * calls in sequence — filter, identify, then per persona a generate call (with two whole
 * demonstration documents of web-page length) and a check call. Every prompt puts the task
 * instructions first and the document after them, so no two calls on a document share a
 * document prefix. The persona is named in the generate instructions, before the
 * demonstrations; `personaAfterDemos` moves it after them (the most cache-friendly reading of
 * that layout, so the comparison can be shown both ways).
 */
import { z } from "zod";
import type { LlmClient } from "../../src/llm/types.js";
import type { Doc } from "../../src/records.js";
import { FilterVerdict } from "../../src/stages/filter.js";
import { identifySchema } from "../../src/stages/identify.js";
import { CheckVerdict, GeneratedPair, verdictFailure } from "../../src/stages/pairs.js";
import { DEMO_DOCUMENTS } from "./demo-documents.js";

const SYSTEM = "You are a helpful assistant that builds question-answer data from web documents. Reply in JSON.";

const FILTER = `Evaluate whether the following web document is suitable for generating verifiable question-answer pairs. A suitable document is informative, clear, self-contained and has enough depth; documents that are boilerplate, advertisements, navigation or fragments are not suitable. Reply with {"qualified": true|false, "reason": "..."}.`;
const IDENTIFY = (domains: string[]) =>
  `Classify the following web document into exactly one domain from this list: ${domains.join(", ")}. Then list up to 3 personas: the kinds of people who would be interested in the document. Reply with {"domain": "...", "personas": ["...", ...]}.`;
const GENERATE = (domain: string, persona?: string) =>
  `You write a question-answer pair for reinforcement learning. Domain: ${domain}.${persona ? ` Take the point of view of this persona: ${persona}.` : ""}\n` +
  `The question must be answerable from the document alone, self-contained, and must not reveal the answer; the answer must be short and verifiable (a number, date, name or short phrase). Below are two example documents with a pair written from each.`;
const CHECK = `Verify the question-answer pair below against the document that follows it. Decide whether the answer is correct, grounded in the document, whether the question is self-contained, and whether the question leaks the answer. Reply with {"correct": bool, "grounded": bool, "self_contained": bool, "leakage": bool, "reason": "..."}.`;

const user = (text: string) => [
  { role: "system" as const, content: SYSTEM },
  { role: "user" as const, content: text },
];
const docBlock = (doc: Doc) => `<document>\n${doc.text}\n</document>\n`;

export interface ReferenceResult {
  documents: number;
  accepted: number;
  requests: number;
}

export async function runReference(
  llm: LlmClient,
  docs: AsyncIterable<Doc> | Iterable<Doc>,
  opts: { domains: string[]; personas?: number; workers?: number; personaAfterDemos?: boolean },
): Promise<ReferenceResult> {
  const idSchema = identifySchema(opts.domains, opts.personas ?? 3);
  const demos = DEMO_DOCUMENTS.map((d, i) => `Example ${i + 1}\n<example_document>\n${d.text}\n</example_document>\nQuestion: ${d.question}\nAnswer: ${d.answer}`).join("\n\n");
  const result: ReferenceResult = { documents: 0, accepted: 0, requests: 0 };
  const call = async <S extends z.ZodType>(stage: string, schemaName: string, schema: S, text: string) => {
    result.requests++;
    return (await llm.complete({ stage, schemaName, schema, messages: user(text) })).value as z.infer<S>;
  };
  const one = async (doc: Doc) => {
    result.documents++;
    const f = await call("filter", "filter_verdict", FilterVerdict, `${FILTER}\n\n${docBlock(doc)}`);
    if (!f.qualified) return;
    const id = await call("identify", "identify_result", idSchema, `${IDENTIFY(opts.domains)}\n\n${docBlock(doc)}`);
    for (const persona of id.personas.map((p) => p.role)) {
      const head = opts.personaAfterDemos
        ? `${GENERATE(id.domain)}\n\n${demos}\n\nPersona: take the point of view of this persona: ${persona}.\n`
        : `${GENERATE(id.domain, persona)}\n\n${demos}\n\n`;
      const pair = await call("generate", "generated_pair", GeneratedPair, `${head}Now the document:\n${docBlock(doc)}`);
      const v = await call("check", "check_verdict", CheckVerdict, `${CHECK}\n\nQuestion: ${pair.question}\nProposed answer: ${pair.answer}\n\n${docBlock(doc)}`);
      if (verdictFailure(v) === null) result.accepted++;
    }
  };
  const it = Symbol.asyncIterator in docs ? (docs as AsyncIterable<Doc>)[Symbol.asyncIterator]() : (docs as Iterable<Doc>)[Symbol.iterator]();
  const worker = async () => {
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      await one(n.value);
    }
  };
  await Promise.all(Array.from({ length: opts.workers ?? 10 }, worker));
  return result;
}

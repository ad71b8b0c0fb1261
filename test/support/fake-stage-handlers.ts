/**
 * Stage-aware replies for the fake OpenAI-compatible server: deterministic answers built
 * from the document in the prompt, shaped like a real model's, so end-to-end tests exercise
 * every branch (qualified or not, pairs accepted or rejected) with reproducible outputs.
 * They parse the pipeline's prompt layout (src/prompts), which is the contract under test.
 */
import type { FakeHandler, FakeRequestContext } from "./fake-openai-server.js";
import { fnv1a32 } from "../../src/util/hash.js";
import { containsWords } from "../../src/util/normalize.js";

const BOILERPLATE = /\b(cookie|cookies|subscribe|sign in|log in|privacy policy|all rights reserved|click here|menu|newsletter|buy now|cheap)\b/gi;

const DOMAIN_WORDS: Record<string, RegExp> = {
  Math: /\b(equation|theorem|integer|sum|probability|triangle|fraction|solve|proof|algebra)\b/gi,
  "Technology & Engineering": /\b(engineer|bridge|voltage|circuit|battery|motor|load|steel|sensor|network)\b/gi,
  Coding: /\b(python|function|code|variable|loop|return|def|compile|javascript|array)\b/gi,
  "Social Science": /\b(society|survey|vote|election|policy|population|culture|council|citizens)\b/gi,
  "Natural Science": /\b(cell|energy|species|photosynthesis|atom|molecule|planet|light|chlorophyll|climate)\b/gi,
  "Travel & Lifestyle": /\b(travel|hotel|museum|recipe|flour|oven|visit|tickets|trip|restaurant)\b/gi,
  "Commerce & Economics": /\b(price|market|budget|revenue|inflation|cost|sales|tax|investors|profit)\b/gi,
  "Medicine & Health": /\b(patient|dose|mg|clinical|symptom|treatment|doctor|blood|therapy|health)\b/gi,
  Education: /\b(student|students|school|university|course|admission|teacher|exam|credits|tuition)\b/gi,
};

const PERSONAS: Record<string, string[]> = {
  Math: ["secondary school math teacher", "engineering undergraduate", "puzzle enthusiast"],
  Coding: ["junior backend developer", "computer science student", "code reviewer"],
  "Medicine & Health": ["community pharmacist", "patient managing a condition", "health journalist"],
};
const GENERIC_PERSONAS = ["curious general reader", "specialist practitioner", "student writing a report"];

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function sentences(doc: string): string[] {
  return doc
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => words(s).length >= 6 && words(s).length <= 60);
}

function enumOf(schema: unknown, prop: string): string[] | undefined {
  const p = (schema as { properties?: Record<string, { enum?: string[] }> })?.properties?.[prop];
  return p?.enum;
}

function maxItemsOf(schema: unknown, prop: string): number {
  const p = (schema as { properties?: Record<string, { maxItems?: number }> })?.properties?.[prop];
  return p?.maxItems ?? 3;
}

export function fakeQualified(doc: string): { qualified: boolean; reason: string } {
  const n = words(doc).length;
  const boiler = (doc.match(BOILERPLATE) ?? []).length;
  if (n < 40) return { qualified: false, reason: "too little content to support a verifiable question" };
  if (boiler >= 3) return { qualified: false, reason: "mostly boilerplate and navigation" };
  if (sentences(doc).length < 3) return { qualified: false, reason: "not enough complete sentences" };
  return { qualified: true, reason: "informative, self-contained text with concrete facts" };
}

export function fakeDomain(doc: string, domains: string[]): string {
  let best = domains.includes("Other") ? "Other" : domains[0]!;
  let bestScore = 0;
  for (const d of domains) {
    const re = DOMAIN_WORDS[d];
    const score = re ? (doc.match(re) ?? []).length : 0;
    if (score > bestScore) (best = d), (bestScore = score);
  }
  return best;
}

function fakePersonas(domain: string, max: number): { role: string; wants: string }[] {
  return (PERSONAS[domain] ?? GENERIC_PERSONAS).slice(0, Math.max(1, max)).map((role) => ({ role, wants: `the facts a ${role} would check` }));
}

/**
 * A fill-in question on a sentence with a number (or else a capitalised name), chosen per
 * persona. Given the persona's place in the document's list (`index`), personas take
 * different sentences while the document has enough, as the prompt asks of a real writer.
 */
export function fakePair(doc: string, persona: string, index?: number) {
  const candidates = sentences(doc).filter((s) => /\d/.test(s) || /\s[A-Z][a-z]{2,}/.test(s));
  const pool = candidates.length ? candidates : sentences(doc);
  const pick = index === undefined ? fnv1a32(persona) : fnv1a32(doc) + index;
  const sentence = pool[pick % Math.max(1, pool.length)] ?? doc.slice(0, 200);
  const num = /\d[\d,.]*\d|\d/.exec(sentence);
  const name = /\s([A-Z][a-z]{2,})/.exec(sentence);
  const answer = num ? num[0] : name ? name[1]! : words(sentence)[0]!;
  const escaped = answer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const masked = sentence.replace(new RegExp(`(?<![\\w.,])${escaped}(?![\\w])`, "g"), "____");
  return {
    question: `A ${persona} is reading about this: "${masked}" What belongs in the blank?`,
    answer,
    answer_type: num ? "number" : "entity",
    aliases: [] as string[],
  };
}

/** The verifier's reply, in the order the real one works: evidence, its own answer, notes, then verdicts. */
export function fakeVerdict(doc: string, question: string, answer: string, aliases: string[] = []) {
  const grounded = doc.includes(answer);
  // A real verifier disagrees with the generator now and then: reject about one pair in seven, deterministically.
  const correct = grounded && fnv1a32(question) % 7 !== 0;
  const selfContained = fakeAnswerable(question).answerable;
  const leakage = containsWords(question, answer);
  const evidence = grounded ? (sentences(doc).find((s) => s.includes(answer)) ?? answer) : "none";
  return {
    evidence,
    own_answer: grounded ? (correct ? answer : `not ${answer}`) : "",
    notes: !correct && grounded ? "the proposed answer does not answer the question" : grounded ? (selfContained ? "the answer is stated in the document" : "the question is too short to stand alone") : "the answer is not in the document",
    correct,
    grounded,
    unique: true,
    self_contained: selfContained,
    leakage,
    // Confirms the aliases that are written forms of the answer (they contain it, with at most two more words), not other answers.
    confirmed_aliases: aliases.filter((a) => containsWords(a, answer) && words(a).length <= words(answer).length + 2),
  };
}

/** The blind judge: a question under twelve words, or one that leans on "the text" or "the study", cannot stand alone. */
export function fakeAnswerable(question: string) {
  const leans = /\b(?:the|this) (?:text|passage|article|document|study|author)\b/i.exec(question);
  if (leans) return { needs: `"${leans[0]}", which the reader never saw`, answerable: false };
  if (words(question).length < 12) return { needs: "the setting the question leaves out", answerable: false };
  return { needs: "nothing", answerable: true };
}

function pairsIn(userText: string): { question: string; answer: string; aliases: string[] }[] {
  const out: { question: string; answer: string; aliases: string[] }[] = [];
  const re = /^(?:Question:|Q\d+\.) (.*)\nProposed answer: (.*)(?:\nAliases: (.*))?/gm;
  for (const m of userText.matchAll(re)) out.push({ question: m[1]!, answer: m[2]!, aliases: m[3] ? m[3].split(" | ") : [] });
  return out;
}

/** The questions shown to the blind judge: "Question: …" alone, or "Q1. …" lines. */
function judgedQuestions(userText: string): string[] {
  const one = /^Question: (.*)$/m.exec(userText);
  if (one) return [one[1]!];
  return [...userText.matchAll(/^Q\d+\. (.*)$/gm)].map((m) => m[1]!);
}

/** Our prompts list personas ("P1. role; wants: …") and say which one to write for; the reference pattern (bench/support/reference-driver.ts) names one in a sentence, without a place in a list. */
function personaOf(userText: string): { persona: string; index?: number } {
  const listed = listedPersonas(userText);
  if (listed.length === 0) return { persona: /point of view of this persona: (.+?)\.\n/.exec(userText)?.[1] ?? "reader" };
  const index = Number(/Write for P(\d+) only\./.exec(userText)?.[1] ?? 1) - 1;
  return { persona: listed[index] ?? "reader", index };
}

function listedPersonas(userText: string): string[] {
  const block = /Personas:\n((?:P\d+\. .+\n?)+)/.exec(userText)?.[1] ?? "";
  return block
    .split("\n")
    .map((l) => l.replace(/^P\d+\.\s*/, "").replace(/; wants: .*$/, "").trim())
    .filter(Boolean);
}

/** The labels of a keyed reply (P1, P2… or Q1, Q2…): the schema's property names, in order. */
function labelsOf(schema: unknown): string[] {
  return Object.keys((schema as { properties?: Record<string, unknown> })?.properties ?? {});
}

const keyed = <T>(labels: string[], item: (i: number) => T) => Object.fromEntries(labels.map((l, i) => [l, item(i)]));

const doc = (ctx: FakeRequestContext) => ctx.document ?? "";

export const stageHandlers: Record<string, FakeHandler> = {
  filter_verdict: (ctx) => fakeQualified(doc(ctx)),
  identify_result: (ctx) => {
    const domains = enumOf(ctx.jsonSchema, "domain") ?? ["Other"];
    const domain = fakeDomain(doc(ctx), domains);
    return { domain, personas: fakePersonas(domain, maxItemsOf(ctx.jsonSchema, "personas")) };
  },
  generated_pair: (ctx) => {
    const { persona, index } = personaOf(ctx.userText);
    return fakePair(doc(ctx), persona, index);
  },
  check_verdict: (ctx) => {
    const p = pairsIn(ctx.userText)[0] ?? { question: "", answer: "", aliases: [] };
    return fakeVerdict(doc(ctx), p.question, p.answer, p.aliases);
  },
  answerable_verdict: (ctx) => fakeAnswerable(judgedQuestions(ctx.userText)[0] ?? ""),
  filter_identify_result: (ctx) => {
    const domains = enumOf(ctx.jsonSchema, "domain") ?? ["Other"];
    const domain = fakeDomain(doc(ctx), domains);
    return { ...fakeQualified(doc(ctx)), domain, personas: fakePersonas(domain, maxItemsOf(ctx.jsonSchema, "personas")) };
  },
  generated_pairs: (ctx) => {
    const personas = listedPersonas(ctx.userText);
    return keyed(labelsOf(ctx.jsonSchema), (i) => fakePair(doc(ctx), personas[i] ?? "reader", i));
  },
  check_verdicts: (ctx) => {
    const pairs = pairsIn(ctx.userText);
    return keyed(labelsOf(ctx.jsonSchema), (i) => fakeVerdict(doc(ctx), pairs[i]?.question ?? "", pairs[i]?.answer ?? "", pairs[i]?.aliases));
  },
  answerable_verdicts: (ctx) => {
    const questions = judgedQuestions(ctx.userText);
    return keyed(labelsOf(ctx.jsonSchema), (i) => fakeAnswerable(questions[i] ?? ""));
  },
};

/**
 * The stage handlers with a pause: while paused, replies are held (requests wait at the
 * server). A test that must stop or kill a process part-way pauses first, so the process
 * cannot finish in the meantime however slow the machine, then resumes.
 */
export function pausableStageHandlers(): { handlers: Record<string, FakeHandler>; pause(): void; resume(): void } {
  let release: () => void = () => {};
  let held: Promise<void> | undefined;
  const handlers: Record<string, FakeHandler> = Object.fromEntries(Object.entries(stageHandlers).map(([name, h]) => [name, async (ctx) => (await held, h(ctx))]));
  return {
    handlers,
    pause: () => void (held ??= new Promise<void>((r) => (release = r))),
    resume: () => (release(), (held = undefined)),
  };
}

/**
 * The shipped demonstration library (data/demos) and example corpus (examples/) are data the
 * generator learns from: a writer model copies what the demos show. These tests hold every demo
 * to the definition of an answerable question (src/quality/answerable.ts) as far as a machine
 * can check it: the project's own deterministic guards and the reward's own parsing must accept
 * every demo, and the library must show the range of answer types without many yes/no answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Demo, domainSlug } from "../src/prompts/demo-record.js";
import { DEFAULT_DOMAINS } from "../src/config/schema.js";
import { loadDemoLibrary } from "../src/prompts/demos.js";
import { ANSWERABLE_DEFINITION, ANSWERABLE_HOW } from "../src/quality/answerable.js";
// The guards and the reward exactly as the code exports them today. Other work changes these
// modules; when a function moves or is renamed, re-point the adapters below and nothing else.
import { guardPair } from "../src/quality/guards.js";
import { findLeak } from "../src/quality/leakage.js";
import { inferAnswerType, isNumberAnswer } from "../src/quality/answer-types.js";
import { defaultCurateOptions } from "../src/curate/options.js";
import { scoreResponse } from "../src/reward/score.js";
import { parseQuantity } from "../src/reward/numbers.js";
import { ANSWER_CLOSE, ANSWER_OPEN } from "../src/policy-format.js";

/** The guards' leakage rule: the answer can be read off the question (the form's type inferred, as for an alias). */
const leaks = (question: string, answer: string): boolean => findLeak(question, answer, inferAnswerType(answer)) !== null;
/** The deterministic pair guards (src/quality, run before the check call and by curation); null = passes unchanged. */
const qualityIssue = (d: Demo): string | null => {
  const g = guardPair(d, { maxAnswerWords: defaultCurateOptions.maxAnswerWords });
  if (!g.ok) return `${g.code}: ${g.detail}`;
  return g.reducedFrom ? `sentence answer: the guards would keep only "${g.answer}"` : null;
};
/** The quality rules' reading of an answer as a number (a year reads as one too). */
const readsAsNumber = (answer: string): boolean => isNumberAnswer(answer);
/** The reward's score (rules only: no judge) of a policy reply whose final answer is `response`. */
const rewardScore = async (d: Demo, response: string, aliases = d.aliases): Promise<number> =>
  (await scoreResponse({ question: d.question, groundTruth: d.answer, aliases, response: `Working it out.\n${ANSWER_OPEN}${response}${ANSWER_CLOSE}` }))
    .score;
/** The reward's reading of an answer as a quantity: null when it does not parse. */
const rewardQuantity = (answer: string) => parseQuantity(answer);
/** A number written without a unit: every reading has none. */
const bare = (q: NonNullable<ReturnType<typeof parseQuantity>>) => q.readings.every((r) => r.unit === "");

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const demosDir = path.join(repoRoot, "data/demos");
const corpusFile = path.join(repoRoot, "examples/corpus.jsonl");

interface Loaded {
  at: string;
  demo: Demo;
}

/** Every demo of every library file, parsed and validated; a bad line fails with its location. */
function loadAll(): Loaded[] {
  const out: Loaded[] = [];
  for (const name of readdirSync(demosDir).filter((n) => n.endsWith(".jsonl")).sort()) {
    const lines = readFileSync(path.join(demosDir, name), "utf8").split("\n");
    lines.forEach((text, i) => {
      if (text.trim() === "") return;
      const at = `${name}:${i + 1}`;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        assert.fail(`${at}: not valid JSON (${(err as Error).message})`);
      }
      const parsed = Demo.safeParse(json);
      assert.ok(parsed.success, `${at}: does not match Demo: ${parsed.error?.message}`);
      out.push({ at, demo: parsed.data });
    });
  }
  return out;
}

const ALL = loadAll();
const wordCount = (s: string): number => s.split(/\s+/).filter(Boolean).length;

/**
 * How a question names what a bare-number answer counts or measures: "how many cases", "in ohms?",
 * "as a percentage", "as a fraction", "on the 4.0 scale", or a pure number named by its kind
 * ("which HTTP status code", "what second digit", "the smallest prime factor").
 */
const NAMES_THE_UNIT = [
  /\bhow many\s+\p{L}/iu,
  /\bin\s+(?:[\p{L}°²³/·-]+\s*){1,3}[?,;)]/iu,
  /\b(?:percent|per cent|percentage)\b/iu,
  /\bas a (?:fraction|decimal)\b/iu,
  /\bon (?:a|the) [^?,]{1,20} scale\b/iu,
  /\b(?:what|which)\s+(?:[\p{L}-]+\s+){0,4}(?:code|digit|factor|coefficient)\b/iu,
];

/** Words a question asked without its material must not lean on (the quality guard knows more of them). */
const MATERIAL_REFERENCE = /\b(?:the|this|that|above|given)\s+(?:material|text|passage|page|leaflet|example)s?\b/iu;

test("every demo line is valid JSON matching the Demo schema", () => {
  assert.ok(ALL.length >= 60, `${ALL.length} demonstrations under data/demos, want at least 60`);
});

test("every default domain has at least 6 demos in its own file", () => {
  for (const domain of DEFAULT_DOMAINS) {
    const file = `${domainSlug(domain)}.jsonl`;
    const n = ALL.filter((x) => x.at.startsWith(`${file}:`)).length;
    assert.ok(n >= 6, `${file} (${domain}) has ${n} demos, needs at least 6`);
  }
});

test("each demo's domain matches the domain its file is named after", () => {
  for (const { at, demo } of ALL) {
    assert.ok(at.startsWith(`${domainSlug(demo.domain)}.jsonl:`), `${at}: domain "${demo.domain}" belongs in another file`);
  }
  const known = new Set(DEFAULT_DOMAINS.map((d) => `${domainSlug(d)}.jsonl`));
  for (const name of readdirSync(demosDir).filter((n) => n.endsWith(".jsonl"))) {
    assert.ok(known.has(name), `${name} is not the library file of any default domain`);
  }
});

test("the leakage guard passes every demo: neither the answer nor an alias stands in the question", () => {
  for (const { at, demo } of ALL) {
    for (const form of [demo.answer, ...(demo.aliases ?? [])]) {
      assert.ok(!leaks(demo.question, form), `${at}: question gives away "${form}"`);
    }
  }
});

test("the curation quality rules pass every demo", () => {
  for (const { at, demo } of ALL) assert.equal(qualityIssue(demo), null, at);
});

test("no question refers to the material it will be asked without", () => {
  for (const { at, demo } of ALL) assert.doesNotMatch(demo.question, MATERIAL_REFERENCE, at);
});

test("the reward scores each answer 1 against itself, and each alias 1 against the answer and its aliases", async () => {
  for (const { at, demo } of ALL) {
    // The answer alone must be decided by the rules, with no alias to help and no judge.
    assert.equal(await rewardScore(demo, demo.answer, undefined), 1, `${at}: "${demo.answer}" does not score 1 against itself`);
    assert.equal(await rewardScore(demo, demo.answer), 1, `${at}: "${demo.answer}" does not score 1 with its aliases`);
    for (const alias of demo.aliases ?? []) {
      assert.equal(await rewardScore(demo, alias), 1, `${at}: alias "${alias}" does not score 1`);
    }
  }
});

test("aliases are other written forms: not empty, not the answer again, not repeated", () => {
  for (const { at, demo } of ALL) {
    const forms = [demo.answer, ...(demo.aliases ?? [])].map((f) => f.trim());
    assert.ok(forms.every((f) => f !== ""), `${at}: empty alias`);
    assert.equal(new Set(forms).size, forms.length, `${at}: an alias repeats the answer or another alias`);
  }
});

test("number answers parse as numbers, and a bare number has its unit or kind named in the question", () => {
  for (const { at, demo } of ALL.filter((x) => x.demo.answer_type === "number")) {
    const q = rewardQuantity(demo.answer);
    assert.ok(q, `${at}: the reward does not read "${demo.answer}" as a number`);
    if (bare(q)) {
      assert.ok(NAMES_THE_UNIT.some((re) => re.test(demo.question)), `${at}: bare number "${demo.answer}", but the question names no unit: ${demo.question}`);
    }
  }
});

test("answer types fit the answers: a plain number is typed number, a series of items list", () => {
  for (const { at, demo } of ALL) {
    if (demo.answer_type !== "number" && demo.answer_type !== "date") {
      assert.ok(!readsAsNumber(demo.answer), `${at}: "${demo.answer}" is a number, typed ${demo.answer_type}`);
    }
    if (/^\[.*\]$|^[^,]+(?:, [^,]+)+$/.test(demo.answer) && demo.answer_type !== "formula") {
      assert.equal(demo.answer_type, "list", `${at}: "${demo.answer}" is a list of items, typed ${demo.answer_type}`);
    }
  }
});

test("list answers say whether their order matters; other answers carry no order", () => {
  for (const { at, demo } of ALL) {
    if (demo.answer_type === "list") assert.equal(typeof demo.ordered, "boolean", `${at}: list answer without "ordered"`);
    else assert.equal(demo.ordered, undefined, `${at}: "ordered" on a ${demo.answer_type} answer`);
  }
});

test("at most two yes/no answers in the whole library: they reward a coin flip", () => {
  const yesNo = ALL.filter((x) => x.demo.answer_type === "yes_no").map((x) => x.at);
  assert.ok(yesNo.length <= 2, `${yesNo.length} yes/no demos: ${yesNo.join(", ")}`);
});

test("the library shows the range of answer types a writer may use", () => {
  const count = (t: string) => ALL.filter((x) => x.demo.answer_type === t).length;
  for (const t of ["number", "date", "entity", "short_phrase", "list", "formula", "other"]) {
    assert.ok(count(t) >= 2, `only ${count(t)} ${t} demos`);
  }
});

test("materials are short passages of 40 to 120 words", () => {
  for (const { at, demo } of ALL) {
    const n = wordCount(demo.material);
    assert.ok(n >= 40 && n <= 120, `${at}: material has ${n} words`);
  }
});

test("personas are short: a role, then what that reader wants to know", () => {
  for (const { at, demo } of ALL) {
    assert.match(demo.persona, /^[^,]+, wants \S/, `${at}: persona "${demo.persona}" is not "<role>, wants <what>"`);
    assert.ok(demo.persona.length <= 70, `${at}: persona of ${demo.persona.length} characters`);
  }
});

test("demos cover varied personas and answer types within each domain", () => {
  for (const domain of DEFAULT_DOMAINS) {
    const mine = ALL.filter((x) => x.demo.domain === domain).map((x) => x.demo);
    assert.equal(new Set(mine.map((d) => d.persona)).size, mine.length, `${domain}: personas repeat`);
    assert.ok(new Set(mine.map((d) => d.answer_type)).size >= 2, `${domain}: only one answer type`);
  }
});

test("the README, docs/demos.md and docs/method.md quote the definition of an answerable question word for word", () => {
  for (const [file, how] of [["README.md", false], ["docs/demos.md", true], ["docs/method.md", true]] as const) {
    // The Markdown text without quote markers, italics and line breaks.
    const doc = readFileSync(path.join(repoRoot, file), "utf8").replace(/\n> ?/g, " ").replace(/\*/g, "").replace(/\s+/g, " ");
    assert.ok(doc.includes(ANSWERABLE_DEFINITION), `${file} does not quote ANSWERABLE_DEFINITION`);
    if (how) assert.ok(doc.includes(ANSWERABLE_HOW), `${file} does not quote ANSWERABLE_HOW`);
  }
});

test("the library loader finds demos for every default domain in the shipped folder", () => {
  const { library, missing } = loadDemoLibrary([...DEFAULT_DOMAINS]);
  assert.deepEqual(missing, []);
  for (const domain of DEFAULT_DOMAINS) assert.ok((library.get(domain) ?? []).length >= 6, domain);
});

test("examples/corpus.jsonl: valid JSON lines with unique ids and non-empty text", () => {
  const lines = readFileSync(corpusFile, "utf8").split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length >= 20, `only ${lines.length} documents`);
  const ids = new Set<string>();
  lines.forEach((text, i) => {
    const rec = JSON.parse(text) as { id?: unknown; text?: unknown; url?: unknown };
    assert.equal(typeof rec.id, "string", `line ${i + 1}: id must be a string`);
    assert.equal(typeof rec.text, "string", `line ${i + 1}: text must be a string`);
    assert.ok((rec.text as string).trim().length > 0, `line ${i + 1}: empty text`);
    assert.ok(!ids.has(rec.id as string), `line ${i + 1}: duplicate id ${String(rec.id)}`);
    ids.add(rec.id as string);
    // The junk-* documents are deliberately bad; every other one is a realistic page of 150-700 words.
    if (!(rec.id as string).startsWith("junk-")) {
      const n = wordCount(rec.text as string);
      assert.ok(n >= 150 && n <= 700, `line ${i + 1} (${String(rec.id)}): ${n} words`);
      assert.match(String(rec.url), /^https:\/\/example\.org\//, `line ${i + 1}: url`);
    }
  });
});

/**
 * The shipped demonstration library (data/demos) and example corpus (examples/) are data the
 * generator learns from; these tests hold them to the rules the generate stage teaches.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Demo, domainSlug } from "../src/prompts/demo-record.js";
import { DEFAULT_DOMAINS } from "../src/config/schema.js";
import { loadDemoLibrary } from "../src/prompts/demos.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const demosDir = path.join(repoRoot, "data/demos");
const corpusFile = path.join(repoRoot, "examples/corpus.jsonl");

interface Loaded {
  file: string;
  line: number;
  demo: Demo;
}

/** Every demo of every library file, parsed and validated; a bad line fails with its location. */
function loadAll(): Loaded[] {
  const out: Loaded[] = [];
  for (const name of readdirSync(demosDir).filter((n) => n.endsWith(".jsonl")).sort()) {
    const lines = readFileSync(path.join(demosDir, name), "utf8").split("\n");
    lines.forEach((text, i) => {
      if (text.trim() === "") return;
      const where = `${name}:${i + 1}`;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        assert.fail(`${where}: not valid JSON (${(err as Error).message})`);
      }
      const parsed = Demo.safeParse(json);
      assert.ok(parsed.success, `${where}: does not match Demo: ${parsed.error?.message}`);
      out.push({ file: name, line: i + 1, demo: parsed.data });
    });
  }
  return out;
}

const wordCount = (s: string): number => s.split(/\s+/).filter(Boolean).length;
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Leakage in the method's sense: the answer can be read off the question. A case-insensitive
 * substring test, except for yes/no answers, where "no" inside "not" or "know" is no leak,
 * so those are matched as whole words.
 */
function questionLeaksAnswer(d: Demo): boolean {
  const q = d.question.toLowerCase();
  const a = d.answer.toLowerCase().trim();
  if (d.answer_type === "yes_no") return new RegExp(`\\b${escapeRe(a)}\\b`).test(q);
  return q.includes(a);
}

test("every demo line is valid JSON matching the Demo schema", () => {
  const all = loadAll();
  assert.ok(all.length > 0, "no demonstrations found under data/demos");
});

test("every default domain has at least 4 demos in its own file", () => {
  const all = loadAll();
  for (const domain of DEFAULT_DOMAINS) {
    const file = `${domainSlug(domain)}.jsonl`;
    const n = all.filter((x) => x.file === file).length;
    assert.ok(n >= 4, `${file} (${domain}) has ${n} demos, needs at least 4`);
  }
});

test("each demo's domain matches the domain its file is named after", () => {
  for (const { file, line, demo } of loadAll()) {
    assert.equal(`${domainSlug(demo.domain)}.jsonl`, file, `${file}:${line}: domain "${demo.domain}" belongs in another file`);
  }
  const known = new Set(DEFAULT_DOMAINS.map((d) => `${domainSlug(d)}.jsonl`));
  for (const name of readdirSync(demosDir).filter((n) => n.endsWith(".jsonl"))) {
    assert.ok(known.has(name), `${name} is not the library file of any default domain`);
  }
});

test("the leak check flags answers readable off the question, and only those", () => {
  const base = { domain: "Math", material: "m", persona: "p", answer_type: "number" as const };
  assert.ok(questionLeaksAnswer({ ...base, question: "Is 1050 the total number of seats?", answer: "1050" }));
  assert.ok(questionLeaksAnswer({ ...base, question: "Was it HERMANN Ebbinghaus?", answer: "Hermann Ebbinghaus", answer_type: "entity" }));
  assert.ok(!questionLeaksAnswer({ ...base, question: "Is 221 a prime number, or not?", answer: "No", answer_type: "yes_no" }));
  assert.ok(questionLeaksAnswer({ ...base, question: "Yes or no: is 7 prime?", answer: "Yes", answer_type: "yes_no" }));
});

test("no question contains its answer", () => {
  for (const { file, line, demo } of loadAll()) {
    assert.ok(!questionLeaksAnswer(demo), `${file}:${line}: question gives away the answer "${demo.answer}"`);
  }
});

test("no question refers to the material it will be asked without", () => {
  for (const { file, line, demo } of loadAll()) {
    assert.doesNotMatch(demo.question, /according to the (text|passage|article|document)/i, `${file}:${line}`);
  }
});

test("materials are short passages of 40 to 120 words", () => {
  for (const { file, line, demo } of loadAll()) {
    const n = wordCount(demo.material);
    assert.ok(n >= 40 && n <= 120, `${file}:${line}: material has ${n} words`);
  }
});

test("demos cover varied personas and answer types within each domain", () => {
  const all = loadAll();
  for (const domain of DEFAULT_DOMAINS) {
    const mine = all.filter((x) => x.demo.domain === domain).map((x) => x.demo);
    assert.equal(new Set(mine.map((d) => d.persona)).size, mine.length, `${domain}: personas repeat`);
    assert.ok(new Set(mine.map((d) => d.answer_type)).size >= 2, `${domain}: only one answer type`);
  }
});

test("the library loader finds demos for every default domain in the shipped folder", () => {
  const { library, missing } = loadDemoLibrary([...DEFAULT_DOMAINS]);
  assert.deepEqual(missing, []);
  for (const domain of DEFAULT_DOMAINS) assert.ok((library.get(domain) ?? []).length >= 4, domain);
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

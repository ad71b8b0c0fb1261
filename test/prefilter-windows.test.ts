/** The model-free stages: the prefilter's rules and the windowing of long documents. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { prefilter, textShape } from "../src/stages/prefilter.js";
import { estimateTokens, sentenceUnits, splitByTokens } from "../src/util/tokens.js";
import { resolveRunConfig } from "../src/config/load.js";
import type { Doc } from "../src/records.js";

const { config } = resolveRunConfig({ inputs: ["x"], out: "x" }, { env: {} });
const doc = (text: string): Doc => ({ id: "d", text, source: { file: "f", line: 1 } });
const reason = (text: string, cfg = config.prefilter) => prefilter(doc(text), cfg)?.reason ?? null;
const prose = (n: number) =>
  Array.from({ length: n }, (_, i) => `In ${1900 + i} the survey counted ${i * 3} nesting pairs of terns along the eastern shore of the bay.`).join("\n");

test("prefilter: clean prose passes; each rule rejects its own kind of page with its own reason", () => {
  assert.equal(reason(prose(30)), null);
  assert.equal(reason("Too short to ask anything about."), "prefilter.too_short");
  assert.equal(reason(prose(12) + "\u0000\u0000binary"), "prefilter.non_text");
  assert.equal(reason(prose(3) + " " + "QUJDRE".repeat(400)), "prefilter.non_text", "one unbroken token");
  assert.equal(reason(prose(3) + "\n" + "{|}~#$%^&*<>[]/\\=+ ".repeat(120)), "prefilter.symbol_ratio");
  const menu = Array.from({ length: 40 }, () => "Home | Shop | Contact us today for a quote").join("\n");
  assert.equal(reason(prose(5) + "\n" + menu), "prefilter.repetition");
  const keywords = Array.from({ length: 60 }, (_, i) => `cheap flights ${i}`).join("\n");
  assert.equal(reason(prose(3) + "\n" + keywords), "prefilter.short_lines");
});

test("prefilter: a rule switched off lets its kind of page through", () => {
  const menu = Array.from({ length: 40 }, () => "Home | Shop | Contact us today for a quote").join("\n");
  const off = { ...config.prefilter, rules: { ...config.prefilter.rules, repetition: false } };
  assert.equal(reason(prose(5) + "\n" + menu, off), null);
});

test("textShape: lines are trimmed and blank ones skipped; words, runs and symbols are counted", () => {
  const s = textShape("  alpha beta  \r\n\n\t\ngamma, delta epsilon zeta!\n   \nalpha beta\u00a0\n");
  assert.deepEqual(s.lines, ["alpha beta", "gamma, delta epsilon zeta!", "alpha beta"]);
  assert.equal(s.shortLines, 2, "two lines of fewer than 4 words");
  assert.equal(s.longestRun, "epsilon".length);
  assert.equal(s.symbols, 2, "the comma and the exclamation mark");
  assert.equal(s.badChars, false);
  assert.equal(textShape("ok\uFFFD").badChars, true);
});

test("sentenceUnits: cuts after blank lines and sentence ends, and the pieces join back to the text", () => {
  const text = "First one. Second one!\n\nNew paragraph? Yes.\nNo cut here e.g.x and 3.5 units\n\n\nend";
  const units = sentenceUnits(text);
  assert.equal(units.join(""), text);
  assert.deepEqual(units, ["First one. ", "Second one!\n", "\n", "New paragraph? ", "Yes.\n", "No cut here e.g.x and 3.5 units\n\n", "\n", "end"]);
  assert.deepEqual(sentenceUnits(""), []);
});

test("splitByTokens: windows within the limit, on sentence boundaries, covering the whole text in order", () => {
  const text = Array.from({ length: 400 }, (_, i) => `Sentence ${i} reports ${i * 7} litres of water.`).join(" ");
  const windows = splitByTokens(text, 300);
  assert.ok(windows.length > 5);
  assert.equal(windows.join(""), text);
  for (const w of windows) {
    assert.ok(estimateTokens(w) <= 300, `window of ${estimateTokens(w)} tokens`);
    assert.match(w, /\.\s?$/, "each window ends at a sentence end");
  }
  assert.deepEqual(splitByTokens("short text", 300), ["short text"]);
  // A single sentence longer than a window is cut by characters.
  const long = "word ".repeat(2000);
  assert.ok(splitByTokens(long, 300).every((w) => estimateTokens(w) <= 330));
});

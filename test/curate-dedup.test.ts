import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Curator, defaultCurateOptions, type CurateOptions } from "../src/curate/curator.js";
import { qa, unrelated } from "./support/curate-fixtures.js";

const opts = (o: Partial<CurateOptions> = {}): CurateOptions => ({ ...defaultCurateOptions, decontaminate: false, ...o });
const tmp = () => mkdtempSync(join(tmpdir(), "curate-dedup-"));

test("dedup rejects exact and near duplicates, keeps unrelated pairs, and names the kept pair", async () => {
  const dir = tmp();
  try {
    const cur = await Curator.open(dir, opts());
    const questions = unrelated();
    for (let i = 0; i < questions.length; i++) assert.equal(cur.admit(qa(`q${i}`, questions[i])), null, `unrelated question ${i} kept`);
    const base = "Which Norwegian engineer designed the first commercially successful hydroelectric turbine installed at the Rjukan plant in 1911, according to company records?";
    assert.equal(cur.admit(qa("orig", base)), null);
    // Exact after normalisation: case and punctuation differ.
    const exact = cur.admit(qa("copy", base.toUpperCase().replace(/[?,]/g, " !")));
    assert.equal(exact?.reason, "dedup.exact");
    assert.equal(exact?.data?.duplicate_of, "orig");
    // Near: one word changed at the end of a 24-word question.
    const near = cur.admit(qa("near", base.replace("records?", "archives?")));
    assert.equal(near?.reason, "dedup.near");
    assert.equal(near?.data?.duplicate_of, "orig");
    assert.ok((near?.data?.similarity as number) >= 0.8);
    const s = cur.stats() as { dedup: { exact: number; near: number }; pairs_kept: number };
    assert.equal(s.dedup.exact, 1);
    assert.equal(s.dedup.near, 1);
    assert.equal(s.pairs_kept, questions.length + 1);
    await cur.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("dedup state survives close and reopen; re-admitting a kept id is accepted", async () => {
  const dir = tmp();
  try {
    const first = await Curator.open(dir, opts());
    const qs = unrelated().slice(0, 200);
    qs.forEach((q, i) => assert.equal(first.admit(qa(`k${i}`, q)), null));
    await first.close();

    const second = await Curator.open(dir, opts());
    // The same pair again (a resumed run regenerating it): accepted, not a duplicate of itself.
    assert.equal(second.admit(qa("k5", qs[5])), null);
    // A different pair with the same question: duplicate of the stored one, id read back from disk.
    const dup = second.admit(qa("other", qs[7]));
    assert.equal(dup?.reason, "dedup.exact");
    assert.equal(dup?.data?.duplicate_of, "k7");
    const near = second.admit(qa("other2", qs[9].replace("?", " today?")));
    assert.equal(near?.reason, "dedup.near");
    assert.equal(near?.data?.duplicate_of, "k9");
    const s = second.stats() as { readmitted: number; kept_in_state: number };
    assert.equal(s.readmitted, 1);
    assert.equal(s.kept_in_state, 200);
    await second.close();

    // Different signature settings cannot resume this state.
    await assert.rejects(Curator.open(dir, opts({ nearDup: { ...defaultCurateOptions.nearDup, numPerm: 64 } })), /numPerm=128/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with dedup off, duplicates pass", async () => {
  const dir = tmp();
  try {
    const cur = await Curator.open(dir, opts({ dedup: false }));
    assert.equal(cur.admit(qa("a", "What is the capital city of France today?")), null);
    assert.equal(cur.admit(qa("b", "What is the capital city of France today?")), null);
    await cur.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a torn last record in the state log (crash mid-write) is cut off on open", async () => {
  const dir = tmp();
  try {
    const cur = await Curator.open(dir, opts());
    const qs = unrelated(10);
    qs.forEach((q, i) => cur.admit(qa(`t${i}`, q)));
    await cur.close();
    const size = statSync(join(dir, "kept.bin")).size;
    appendFileSync(join(dir, "kept.bin"), Buffer.alloc(100, 7));
    const again = await Curator.open(dir, opts());
    assert.equal(statSync(join(dir, "kept.bin")).size, size);
    assert.equal(again.admit(qa("x", qs[3]))?.data?.duplicate_of, "t3");
    assert.equal(again.admit(qa("y", "A brand new question about the moons of Jupiter and their orbits?")), null);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("short paraphrases are near-duplicates; template siblings with other numbers or answers are not", async () => {
  const dir = tmp();
  try {
    const cur = await Curator.open(dir, opts());
    const birds = "Volunteers on a small island counted 312 puffins and 148 razorbills on one June morning. How many birds did they count?";
    assert.equal(cur.admit(qa("birds", birds, "460")), null);
    // Two words added ("individual … in total"), one changed: the same question, the same answer.
    const para = cur.admit(qa("para", birds.replace("How many birds did they count?", "How many individual birds were counted in total?"), "460 birds"));
    assert.equal(para?.reason, "dedup.near");
    assert.equal(para?.data?.duplicate_of, "birds");
    // The same template with other numbers is another question.
    assert.equal(cur.admit(qa("other-numbers", birds.replace("312", "290"), "438")), null);
    // One word changed that changes the answer: kept, because the answers differ.
    assert.equal(cur.admit(qa("celsius", "What is the boiling point of pure water at sea level, in degrees Celsius?", "100")), null);
    assert.equal(cur.admit(qa("fahrenheit", "What is the boiling point of pure water at sea level, in degrees Fahrenheit?", "212")), null);
    // Operators make questions differ even when their words do not.
    assert.equal(cur.admit(qa("floor-div", "In Python 3, what does the expression 7 // 2 evaluate to?", "3")), null);
    assert.equal(cur.admit(qa("true-div", "In Python 3, what does the expression 7 / 2 evaluate to?", "3.5")), null);
    await cur.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

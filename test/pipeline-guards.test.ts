/**
 * The deterministic pair guards inside `run`: they act before the check call, so a pair they
 * reject costs no verifier call, and a sentence answer reaches the verifier (and the record)
 * reduced to its core, the sentence kept in answer_original.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { stageHandlers } from "./support/fake-stage-handlers.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";

const DOC =
  "The Skerry Point lighthouse on the north coast was first lit in 1869. Its tower is 41 metres tall and its lamp can be seen " +
  "from 22 nautical miles away on a clear night. The keepers lived in two cottages beside the tower until the light was automated " +
  "in 1982, after which a single attendant visited once a month to check the lamp and the fog signal.";

/** What the writer returns per persona: a sentence answer with a core, a reference to unseen material, a plain pair. */
const PAIRS = [
  { question: "A coastal lighthouse first lit in 1869 has a tower 41 metres tall. In which year was its light automated if that happened 113 years after it was first lit?", answer: "It was automated in 1982.", answer_type: "date" },
  { question: "According to the passage, how many cottages did the keepers live in?", answer: "2", answer_type: "number" },
  { question: "A lighthouse lamp can be seen from 22 nautical miles away; how far is that in kilometres if one nautical mile is 1.852 km, to the nearest kilometre?", answer: "41", answer_type: "number" },
];

test("pipeline guards: a rejected pair costs no check call; a sentence answer is checked and kept as its core", async () => {
  const dir = tempDir("wsrl-guards-");
  const input = join(dir, "in.jsonl");
  writeFileSync(input, JSON.stringify({ id: "skerry", text: DOC }) + "\n");
  const checked: string[] = [];
  const fake = await startStageServer({
    handlers: {
      generated_pair: (ctx) => PAIRS[Number(/Write for P(\d+) only\./.exec(ctx.userText)?.[1] ?? 1) - 1] ?? PAIRS[2],
      check_verdict: (ctx) => {
        checked.push(ctx.userText);
        return stageHandlers.check_verdict(ctx);
      },
    },
  });
  try {
    const out = join(dir, "out");
    const { stats } = await runOn(fake, [input], out, { personas: 3 });
    const rejected = readJsonl(join(out, "rejected"));
    const reference = rejected.find((r) => r.reason === "check.context_reference");
    assert.ok(reference, JSON.stringify(rejected.map((r) => r.reason)));
    assert.equal(reference.pair.question, PAIRS[1].question);
    assert.ok(!checked.some((t) => t.includes(PAIRS[1].question)), "the rejected pair was not sent to the verifier");
    // The sentence answer went to the verifier as its core.
    const sentence = checked.find((t) => t.includes(PAIRS[0].question));
    assert.ok(sentence, "the reduced pair was checked");
    assert.match(sentence, /Proposed answer: 1982(?:\n|$)/);
    const kept = readJsonl(join(out, "qa")).find((r) => r.question === PAIRS[0].question);
    if (kept) {
      assert.equal(kept.answer, "1982");
      assert.equal(kept.answer_original, "It was automated in 1982.");
    } else {
      // The fake verifier may reject it on its own grounds; then the rejection carries the core.
      assert.equal(rejected.find((r) => r.pair?.question === PAIRS[0].question)?.pair.answer, "1982");
    }
    assertStatsAddUp(stats);
  } finally {
    await fake.close();
  }
});

/**
 * The local engine's sequence router on token arrays: which sequence each request gets, as the
 * pipeline sends them (a document's calls one after another, siblings side by side, several
 * documents in flight). The engine on a real GGUF is tested in llm-local-engine.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SequenceRouter, sharedPrefix, type RoutedPrompt } from "../src/llm/sequence-router.js";

// A prompt: 100 tokens of system message, then the document's tokens, then the task's.
const SYSTEM = Array.from({ length: 100 }, (_, i) => i);
const docTokens = (doc: number) => Array.from({ length: 200 }, (_, i) => 1000 * doc + i);
const prompt = (doc: number, task: number): RoutedPrompt => ({ tokens: [...SYSTEM, ...docTokens(doc), 900_000 + task], common: SYSTEM.length });
const reply = (p: RoutedPrompt) => [...p.tokens, 7, 7, 7];

/** Runs one request: takes a sequence, holds it for `hold` turns of the event loop, releases it with prompt + reply. */
async function call(r: SequenceRouter<string>, p: RoutedPrompt, hold = 0): Promise<{ seq: string; shared: number }> {
  const lease = await r.acquire(p);
  for (let i = 0; i < hold; i++) await new Promise((res) => setImmediate(res));
  r.release(lease.value, reply(p));
  return { seq: lease.value, shared: lease.shared };
}

test("sharedPrefix counts the leading tokens two arrays have in common", () => {
  assert.equal(sharedPrefix([1, 2, 3], [1, 2, 4]), 2);
  assert.equal(sharedPrefix([], [1]), 0);
  assert.equal(sharedPrefix([5, 6], [5, 6, 7]), 2);
});

test("a document's next call goes to the sequence that holds its earlier call", async () => {
  const r = new SequenceRouter(["s0", "s1"], { affinity: true });
  const [a1, b1] = await Promise.all([call(r, prompt(1, 1)), call(r, prompt(2, 1))]);
  assert.notEqual(a1.seq, b1.seq, "two new documents take the two empty sequences");
  const [b2, a2] = await Promise.all([call(r, prompt(2, 2)), call(r, prompt(1, 2))]);
  assert.equal(a2.seq, a1.seq);
  assert.equal(b2.seq, b1.seq);
  assert.equal(a2.shared, 300, "the system message and the whole document are already there");
});

test("a new document takes an empty (or the least recently used) sequence, not one that holds another document", async () => {
  const r = new SequenceRouter(["s0", "s1", "s2"], { affinity: true });
  const a1 = await call(r, prompt(1, 1));
  // B shares the 100 system tokens with A's sequence, and nothing with the empty ones: that is no reason to evict A.
  const b1 = await call(r, prompt(2, 1));
  const c1 = await call(r, prompt(3, 1));
  assert.equal(new Set([a1.seq, b1.seq, c1.seq]).size, 3);
  // A is used again; D must then evict the least recently used, B.
  await call(r, prompt(1, 2));
  const d1 = await call(r, prompt(4, 1));
  assert.equal(d1.seq, b1.seq);
  assert.equal(d1.shared, 100, "it keeps the system message that was there");
});

test("the next call finds its sequence even when other requests waited longer", async () => {
  const r = new SequenceRouter(["s0"], { affinity: true });
  const lease = await r.acquire(prompt(1, 1));
  // Three other documents queue up while A's first call runs.
  const others = [2, 3, 4].map((d) => call(r, prompt(d, 1)));
  r.release(lease.value, reply(prompt(1, 1)));
  // A's caller sends its next call at once, as the pipeline does: it is matched in the same turn.
  const a2 = await call(r, prompt(1, 2));
  assert.equal(a2.shared, 300, "A's system message and document were still there");
  await Promise.all(others);
});

test("siblings of one document wait for its sequence while another document uses the free one", async () => {
  const r = new SequenceRouter(["s0", "s1"], { affinity: true });
  const a1 = await call(r, prompt(1, 1));
  // Document B goes on with its next call as soon as its first returns, as the pipeline does.
  const bChain = (async () => [await call(r, prompt(2, 1), 3), await call(r, prompt(2, 2), 3)])();
  // A's three persona calls arrive together; the first takes A's sequence.
  const [g1, g2, g3] = await Promise.all([call(r, prompt(1, 11), 3), call(r, prompt(1, 12), 3), call(r, prompt(1, 13), 3)]);
  const [b1, b2] = await bChain;
  assert.equal(g1.seq, a1.seq);
  assert.notEqual(b1.seq, a1.seq, "B takes the other sequence");
  assert.equal(b2.seq, b1.seq, "and keeps it for its next call");
  assert.deepEqual([g2.seq, g3.seq], [a1.seq, a1.seq], "the other siblings waited for A's sequence rather than prefill A again");
  assert.ok(g2.shared >= 300 && g3.shared >= 300);
});

test("no sequence stands idle while a request waits: a sibling takes a free sequence when nothing else wants it", async () => {
  const r = new SequenceRouter(["s0", "s1"], { affinity: true });
  const a1 = await call(r, prompt(1, 1));
  const [g1, g2] = await Promise.all([call(r, prompt(1, 11), 3), call(r, prompt(1, 12), 3)]);
  assert.equal(g1.seq, a1.seq);
  assert.notEqual(g2.seq, a1.seq);
  assert.equal(g2.shared, 0, "it prefills the document on the empty sequence");
});

test("without affinity it is the old free list: the last released sequence first, whatever it holds", async () => {
  const r = new SequenceRouter(["s0", "s1"], { affinity: false });
  const a1 = await call(r, prompt(1, 1));
  const b1 = await call(r, prompt(2, 1));
  assert.equal(b1.seq, a1.seq, "B evicts A from the sequence A just released");
  const a2 = await call(r, prompt(1, 2));
  assert.equal(a2.shared, 100, "A's document is evaluated again; only the system message is reused");
});

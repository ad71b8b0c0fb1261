/**
 * The progress display: documents done of the total when it is known ("7/10", never "70"),
 * a rate and no bar when it is not (never a bar full from the start), model requests in flight
 * against the limit (not documents), tokens per second and the spend. The last test checks
 * the figures a real run feeds it: requests in flight reach the limit while they hang.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { makeProgress, progressLine, spendOf, type ProgressSnapshot } from "../src/pipeline/progress.js";
import { emptyLlmStats } from "../src/llm/index.js";
import { resolveRunConfig } from "../src/config/load.js";
import { createLlmClient } from "../src/llm/index.js";
import { runPipeline } from "../src/pipeline/run.js";
import { EXAMPLES, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { until } from "./support/cli.js";

const snap = (s: Partial<ProgressSnapshot>): ProgressSnapshot => ({ documents: 0, accepted: 0, tokens: 0, elapsed: 10, ...s });

/** A terminal as cli-progress sees one; everything written is kept. */
function terminal(): NodeJS.WriteStream & { text(): string } {
  let text = "";
  const w = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text(): string };
  Object.assign(w, { isTTY: true, columns: 200, rows: 40, text: () => text });
  return w;
}

test("the line: documents of the total, this session's rate, pairs, requests against the limit, tokens/s, spend", () => {
  const line = progressLine(snap({ documents: 7, total: 10, documentsAtStart: 2, accepted: 9, requests: { inFlight: 12, limit: 32 }, tokens: 5000, spend: 1.234 }));
  assert.equal(line, "7/10 documents, 0.50 docs/s, 9 pairs, 12/32 requests in flight, 500 tokens/s, $1.23 spent");
  assert.equal(progressLine(snap({ documents: 3 })), "3 documents, 0.30 docs/s, 0 pairs, 0 tokens/s");
});

test("the bar fills by documents of a known total, and is not drawn when the total is unknown", () => {
  const known = terminal();
  const p = makeProgress("bar", known);
  p.update(snap({ documents: 3, total: 10 }));
  p.stop();
  assert.match(known.text(), /3\/10 documents/);
  assert.doesNotMatch(known.text(), /310|30 documents/);
  const filled = (known.text().match(/\u2588/g) ?? []).length;
  assert.ok(filled >= 6 && filled <= 8, `about 30% of 24 cells filled (${filled})`);

  const unknown = terminal();
  const q = makeProgress("bar", unknown);
  q.update(snap({ documents: 7 }));
  q.stop();
  assert.match(unknown.text(), /7 documents, 0\.70 docs\/s/);
  assert.doesNotMatch(unknown.text(), /[\u2588\u2591]/, "no bar without a total");
  assert.doesNotMatch(unknown.text(), /(^|[^.\d])70 doc/, "the count is 7, not 70");
});

test("log lines carry the same figures", () => {
  const out = terminal();
  const p = makeProgress("log", out);
  p.update(snap({ documents: 5, total: 20, elapsed: 6 }));
  assert.match(out.text(), /^\[6s\] 5\/20 documents, 0\.83 docs\/s, 0 pairs, 0 tokens\/s\n$/);
});

test("spend from the built-in prices, unknown when a model has no price", () => {
  const llm = emptyLlmStats();
  llm.by_model["gpt-4.1-mini"] = { requests: 1, retries: 0, errors: 0, prompt_tokens: 1_000_000, completion_tokens: 500_000, cached_prompt_tokens: 0 };
  assert.ok(Math.abs(spendOf(llm)! - 1.2) < 1e-9, "1M prompt tokens at $0.40 and 0.5M completion tokens at $1.60");
  llm.by_model["my-local-model"] = { requests: 1, retries: 0, errors: 0, prompt_tokens: 10, completion_tokens: 1, cached_prompt_tokens: 0 };
  assert.equal(spendOf(llm), undefined);
});

test("a real run reports model requests in flight against the limit", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  fake.addFault({ kind: "hang", times: Infinity });
  const { config } = resolveRunConfig(
    { inputs: [EXAMPLES], out: tempDir("wsrl-progress-"), progress: "none", llm: { concurrency: 3, timeoutMs: 600_000, defaults: { baseUrl: [fake.url], model: "fake-model" } } },
    { env: {} },
  );
  const llm = await createLlmClient(config.llm);
  const seen: ProgressSnapshot[] = [];
  const stop = new AbortController();
  try {
    const running = runPipeline(config, { llm, log: () => {}, signal: stop.signal, stopGraceMs: 0, progress: { update: (s) => seen.push(s), stop() {} } });
    await until(() => seen.some((s) => s.requests?.inFlight === 3), "three requests in flight");
    const s = seen.find((x) => x.requests?.inFlight === 3)!;
    assert.deepEqual(s.requests, { inFlight: 3, limit: 3 });
    assert.equal(s.documents, 0, "documents count when done, not when in flight");
    stop.abort();
    const res = await running;
    assert.equal(res.stoppedBy, "signal");
    assert.equal(res.abandonedUnits > 0, true);
  } finally {
    await llm.close();
    await fake.close();
  }
});

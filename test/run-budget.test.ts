/** `run --max-cost` / `--budget-tokens`: the real command against the fake server stops cleanly at its budget and resumes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Stats } from "../src/records.js";
import { readWriter } from "../src/io/run-manifest.js";
import { readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { cli, copiedCorpus } from "./support/cli.js";

const CONCURRENCY = 2; // requests on the wire at most

test("--max-cost stops within the requests in flight (no new request once spent), says why, and the rerun completes the same pairs", async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const corpus = join(dir, "corpus.jsonl");
  copiedCorpus(corpus, 3, 10);
  const out = join(dir, "out");
  const flags = ["--out", out, "--base-url", fake.url, "--model", "fake-model", "--progress", "none", "--concurrency", String(CONCURRENCY), "--no-dedup", "--no-decontaminate", "--no-quality"];
  try {
    // No price for the model: stopped before any request, with what to do.
    const unpriced = cli(["run", corpus, ...flags, "--max-cost", "1"]);
    assert.equal(await unpriced.exited, 2);
    assert.match(unpriced.stderr(), /--max-cost needs a price for fake-model: pass --price fake-model=IN\/OUT/);
    assert.equal(fake.requests.filter((r) => r.path.endsWith("/chat/completions")).length, 0);

    // $1 per million tokens: $0.05 is 50,000 tokens, a few documents of 75.
    const stopped = cli(["run", corpus, ...flags, "--max-cost", "0.05", "--price", "fake-model=1/1"]);
    assert.equal(await stopped.exited, 3, stopped.stderr());
    assert.match(stopped.stderr(), /Stopping: the budget is spent \(\$0\.05\d* of --max-cost 0\.05\)/);
    assert.match(stopped.stderr(), /Rerun the same command \(with a larger budget\) to resume/);
    // Stopped the way Ctrl-C stops a run, but the writer's record says why.
    assert.equal(readWriter(out, "main")?.status, "stopped");
    assert.match(readWriter(out, "main")?.reason ?? "", /^the budget is spent \(\$0\.05\d* of --max-cost 0\.05\)$/);
    const s = Stats.parse(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")));
    const tokens = s.llm.prompt_tokens + s.llm.completion_tokens;
    const perRequest = Math.max(...fake.requests.map((r) => r.promptTokens + r.completionTokens));
    assert.ok(tokens >= 50_000, `spent ${tokens}`);
    // The call that crossed the budget is counted already; only the others on the wire may add to it.
    // (Before, every document in the window went on through its later stages: up to 8 × 11 calls.)
    assert.ok(tokens <= 50_000 + CONCURRENCY * perRequest, `spent ${tokens}: more than the requests in flight past the budget`);
    assert.ok(s.documents_read < 76, `stopped early: ${s.documents_read} read`);

    const resumed = cli(["run", corpus, ...flags]);
    assert.equal(await resumed.exited, 0, resumed.stderr());
    assert.match(resumed.stderr(), /Resuming/);
    await runOn(fake, [corpus], join(dir, "reference"));
    const ids = (d: string) => readJsonl(join(d, "qa")).map((r) => r.id).sort();
    assert.ok(ids(out).length > 0);
    assert.deepEqual({ n: ids(out).length, ids: ids(out) }, { n: ids(join(dir, "reference")).length, ids: ids(join(dir, "reference")) });
  } finally {
    await fake.close();
  }
});

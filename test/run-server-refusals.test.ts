/**
 * A model server that starts refusing in the middle of a run (a revoked key, a model taken
 * down) stops the run at once with the server's own words, not after 25 documents; a rerun
 * resumes. A server that goes away is retried, and the run stops saying "connection refused"
 * at its URL, in a few lines rather than one per retry.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { alive, copiedCorpus, cli, errorLines, readJson, run, stackLines, until } from "./support/cli.js";


const sorted = (dir: string, folder: string) => readJsonl(join(dir, folder)).map((r) => JSON.stringify(r)).sort();

for (const kind of ["401", "404"] as const) {
  test(`HTTP ${kind} in mid-run stops at once with the server's message; the rerun resumes to the clean result`, { timeout: 240_000 }, async () => {
    const fake = await startStageServer();
    const dir = tempDir("wsrl-midrun-");
    const input = join(dir, "corpus.jsonl");
    copiedCorpus(input, 2, 7);
    const out = join(dir, "out");
    const args = ["run", input, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--progress", "none"];
    try {
      await runOn(fake, [input], join(dir, "ref"), {}, { curate: true });
      const start = fake.requests.length;
      // From the 6th chat request of this run on, every one is refused.
      const from = countChats(fake) + 5;
      fake.addFault({ kind, times: Infinity, match: (c) => c.index >= from });
      const r = await run(args);
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(stackLines(r.stderr), []);
      const line = errorLines(r.stderr)[0] ?? "";
      assert.match(line, new RegExp(`the model server refused the run: \\w+: HTTP ${kind} from ${fake.url.replace(/[.]/g, "\\.")}: `));
      assert.match(line, kind === "401" ? /Incorrect API key provided/ : /The model `fake-model` does not exist\./);
      assert.match(line, /rerun the same command \(it resumes\)/);
      const refusedAnswers = fake.requests.slice(start).filter((q) => q.status === Number(kind)).length;
      assert.ok(refusedAnswers >= 1 && refusedAnswers <= 2, `at most the requests in flight (--concurrency 2) met the refusal, not 50: ${refusedAnswers}`);
      assert.equal(readJson(join(out, "state", "writer-main.json"))?.status, "stopped");

      fake.clearFaults();
      const again = await run(args);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /Resuming/);
      for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(sorted(out, folder), sorted(join(dir, "ref"), folder), folder);
    } finally {
      await fake.close();
    }
  });
}

test("a server that goes away: retried, then the run stops saying connection refused at its URL, in a few lines", { timeout: 240_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-gone-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 12, 7);
  const out = join(dir, "out");
  try {
    const run = cli(["run", input, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--max-retries", "1", "--progress", "none"]);
    await until(() => alive(run) && (existsSync(join(out, "state", "checkpoint-main.json"))), "the first checkpoint");
    await fake.close();
    assert.equal(await run.exited, 1, run.stderr());
    const stderr = run.stderr();
    assert.deepEqual(stackLines(stderr), []);
    const url = fake.url.replace(/[.]/g, "\\.");
    assert.match(stderr, new RegExp(`Stopping: 25 documents in a row failed on the model server \\(\\w+: connection refused at ${url} \\(after 2 requests\\)\\)`));
    const retryLines = stderr.split("\n").filter((l) => /retry \d+\/\d+/.test(l));
    assert.ok(retryLines.length >= 1 && retryLines.length < 25, `retries are summarised, not one line each: ${retryLines.length}`);
    assert.match(retryLines.join("\n"), new RegExp(`connection [a-z ]+ at ${url}`), "a retry line says what happened where, in words");
    assert.equal(readJson(join(out, "state", "writer-main.json"))?.status, "stopped");
  } finally {
    await fake.close();
  }
});

function countChats(fake: { requests: { path: string }[] }): number {
  return fake.requests.filter((r) => r.path === "/v1/chat/completions").length;
}

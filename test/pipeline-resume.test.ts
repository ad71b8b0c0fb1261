/**
 * Resume: a `webscale-rl run` child process is killed with SIGKILL mid-way (twice), rerun,
 * and its outputs compared with an uninterrupted run over the same documents and the same
 * model replies: the same accepted pairs, the same rejections, no duplicates, no gaps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, REPO_ROOT, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";

/** A bigger corpus from the examples: each copy has its own id and numbers, so its pairs differ. */
function makeCorpus(path: string, copies: number) {
  const docs = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const lines: string[] = [];
  for (let c = 0; c < copies; c++)
    for (const d of docs) lines.push(JSON.stringify({ id: `${d.id}-${c}`, text: d.text.replace(/\b(\d+)\b/g, (m: string) => String(Number(m) + c)) }));
  lines.splice(7, 0, "{broken json line");
  writeFileSync(path, lines.join("\n") + "\n");
}

function cli(args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
}

function finishedCount(out: string): number {
  const f = join(out, "state", "finished-main.txt");
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
}

async function runUntilKilled(args: string[], out: string, atLeast: number): Promise<void> {
  const child = cli(args);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  for (;;) {
    await new Promise((r) => setTimeout(r, 25));
    if (child.exitCode !== null) throw new Error(`the run ended before it could be killed (code ${child.exitCode}): ${stderr}`);
    if (finishedCount(out) >= atLeast) break;
  }
  child.kill("SIGKILL");
  await exited;
}

async function runToEnd(args: string[]): Promise<string> {
  const child = cli(args);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  assert.equal(code, 0, stderr);
  return stderr;
}

test("kill -9 mid-run, twice, then rerun: the same pairs and rejections as an uninterrupted run", { timeout: 240_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const corpus = join(dir, "corpus.jsonl");
  makeCorpus(corpus, 12);
  try {
    await runOn(fake, [corpus], join(dir, "ref"), {}, { curate: true });
    const out = join(dir, "killed");
    const args = ["run", corpus, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--progress", "none"];
    await runUntilKilled(args, out, 40);
    const firstKill = finishedCount(out);
    await runUntilKilled(args, out, firstKill + 60);
    const stderr = await runToEnd(args);
    assert.match(stderr, /Resuming/);

    const pairs = (d: string) => readJsonl(join(dir, d, "qa"));
    const ref = pairs("ref");
    const got = pairs("killed");
    assert.equal(new Set(got.map((r) => r.id)).size, got.length, "no duplicate pairs");
    assert.deepEqual(
      got.map((r) => JSON.stringify(r)).sort(),
      ref.map((r) => JSON.stringify(r)).sort(),
      "accepted pairs equal the uninterrupted run's",
    );
    const rej = (d: string) => readJsonl(join(dir, d, "rejected")).map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(rej("killed"), rej("ref"), "rejections equal the uninterrupted run's");
    const docs = (d: string) => readJsonl(join(dir, d, "documents")).map((r) => r.doc_id).sort();
    assert.deepEqual(docs("killed"), docs("ref"));
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const refStats = JSON.parse(readFileSync(join(dir, "ref", "stats.json"), "utf8"));
    assert.deepEqual(stats.funnel, refStats.funnel);
    assert.deepEqual(stats.rejections, refStats.rejections);
    assertStatsAddUp(stats);
  } finally {
    await fake.close();
  }
});

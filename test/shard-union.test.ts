/**
 * Static sharding: 3 `run --shard I/3` processes over the same inputs and the same fake-server
 * replies together write exactly what one process writes (as multisets of JSON lines); one
 * shard killed with SIGKILL mid-way resumes on its own; `merge` sums their stats into a
 * stats.json whose funnel equals the single run's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, REPO_ROOT, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";

/** The examples, copied with distinct ids and numbers so that each copy yields its own pairs. */
function corpus(path: string, copies: number): void {
  const docs = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const lines = [];
  for (let c = 0; c < copies; c++) for (const d of docs) lines.push(JSON.stringify({ id: `${d.id}-${c}`, text: d.text.replace(/\b(\d+)\b/g, (m: string) => String(Number(m) + c)) }));
  lines.splice(5, 0, "{not json");
  writeFileSync(path, lines.join("\n") + "\n");
}

function cli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { child, exited, stderr: () => stderr };
}

const lines = (out: string, folder: string) => readJsonl(join(out, folder)).map((r) => JSON.stringify(r)).sort();
const finished = (out: string, tag: string) => {
  const f = join(out, "state", `finished-${tag}.txt`);
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
};

test("3 shards in parallel (one killed and resumed) = one process; merge gives the same funnel", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-shard-");
  const input = join(dir, "corpus.jsonl");
  corpus(input, 6);
  try {
    const ref = join(dir, "ref");
    await runOn(fake, [input], ref);
    const out = join(dir, "sharded");
    const args = (i: number) => ["run", input, "--out", out, "--shard", `${i}/3`, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "2", "--progress", "none", "--no-dedup", "--no-quality", "--no-decontaminate"];

    const runs = [0, 1, 2].map((i) => cli(args(i)));
    // Kill shard 1 once it has committed some units, while the others go on. The ledger of
    // finished units is written just before the checkpoint that commits it: wait for both.
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (runs[1]!.child.exitCode !== null) assert.fail(`shard 1 ended before it could be killed: ${runs[1]!.stderr()}`);
      if (finished(out, "s1of3") >= 5 && existsSync(join(out, "state", "checkpoint-s1of3.json"))) break;
    }
    runs[1]!.child.kill("SIGKILL");
    await runs[1]!.exited;
    const killedAt = finished(out, "s1of3");
    for (const i of [0, 2]) assert.equal(await runs[i]!.exited, 0, runs[i]!.stderr());
    const again = cli(args(1));
    assert.equal(await again.exited, 0, again.stderr());
    assert.match(again.stderr(), /Resuming/);
    assert.ok(finished(out, "s1of3") > killedAt);

    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(lines(out, folder), lines(ref, folder), `${folder}: the union of the shards equals the single run`);
    const qa = readJsonl(join(out, "qa"));
    assert.ok(qa.length > 20, `enough pairs to mean something (${qa.length})`);
    assert.equal(new Set(qa.map((r) => r.id)).size, qa.length, "no pair twice");
    assert.ok(!existsSync(join(out, "stats.json")), "shards keep their stats in state/ until merge");

    const merge = cli(["merge", out]);
    assert.equal(await merge.exited, 0, merge.stderr());
    assert.match(merge.stderr(), /3 writers \(s0of3, s1of3, s2of3\)/);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const refStats = JSON.parse(readFileSync(join(ref, "stats.json"), "utf8"));
    assert.deepEqual(stats.funnel, refStats.funnel);
    assert.deepEqual(stats.rejections, refStats.rejections);
    assert.deepEqual(stats.domains, refStats.domains);
    assert.equal(stats.qa_accepted, qa.length);
    // Every request of the shards is counted (the killed shard's lost ones included, so ≥ the single run's).
    assert.ok(stats.llm.requests >= refStats.llm.requests);
    assert.deepEqual(Object.keys(stats.llm.by_endpoint), Object.keys(refStats.llm.by_endpoint));
    assert.ok(stats.timeline.length > 0);
  } finally {
    await fake.close();
  }
});

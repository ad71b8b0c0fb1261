/**
 * One writer per output for the commands after `run`: a second curate (or export) on the same
 * --out is refused while the first is at work, saying who holds it; report and merge the same.
 * Curate also checks its domain quotas against the domains its inputs were made with.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireLock } from "../src/io/output-lock.js";
import { makeSyntheticRun } from "./support/synthetic-run.js";
import { EXAMPLES, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { alive, cli, errorLines, readJson, run, stackLines, until } from "./support/cli.js";

function assertHeldBy(r: { code: number | null; stderr: string }, lockName: string, pid: number | undefined) {
  assert.notEqual(r.code, 0);
  assert.deepEqual(stackLines(r.stderr), []);
  assert.match(errorLines(r.stderr)[0] ?? "", new RegExp(`\\.lock-${lockName.replace(/[.]/g, "\\.")} is held by .*\\(pid ${pid} on .*only one writer at a time`));
}

test("two curates on one --out: the second is refused while the first works (it waits on a pipe)", { timeout: 240_000 }, async () => {
  const dir = tempDir("wsrl-two-curates-");
  const runDir = join(dir, "run");
  makeSyntheticRun(runDir, { pairs: 100 });
  const pipe = join(dir, "more.jsonl");
  execFileSync("mkfifo", [pipe]);
  const out = join(dir, "cur");
  const first = cli(["curate", runDir, pipe, "--out", out, "--no-progress"]);
  try {
    await until(() => alive(first) && (existsSync(join(out, ".lock-curate")) && readJson(join(out, "run.json"))?.status === "running"), "the first curate to start");
    assertHeldBy(await run(["curate", runDir, "--out", out, "--no-progress"]), "curate", first.child.pid);
    assert.equal(readJson(join(out, "run.json"))?.status, "running", "the refused curate touched nothing");
  } finally {
    first.child.kill("SIGKILL");
  }
});

test("export, report and merge refuse an output another process is writing", { timeout: 240_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-held-");
  const runDir = join(dir, "run");
  try {
    await runOn(fake, [EXAMPLES], runDir);
    const exp = join(dir, "exp");
    const held = await acquireLock(exp, "export");
    try {
      assertHeldBy(await run(["export", runDir, "--format", "verl", "--out", exp]), "export", process.pid);
    } finally {
      held.release();
    }
    const report = join(dir, "r.html");
    const heldReport = await acquireLock(dir, "report-r.html");
    try {
      assertHeldBy(await run(["report", runDir, "--out", report]), "report-r.html", process.pid);
      assert.ok(!existsSync(report));
    } finally {
      heldReport.release();
    }
    const heldMerge = await acquireLock(runDir, "merge");
    try {
      assertHeldBy(await run(["merge", runDir]), "merge", process.pid);
    } finally {
      heldMerge.release();
    }
    const ok = await run(["export", runDir, "--format", "verl", "--out", exp]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!existsSync(join(exp, ".lock-export")), "the lock is gone once the export is done");
  } finally {
    await fake.close();
  }
});

test("curate: a quota domain the inputs do not have is refused with the nearest one", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-curate-quota-");
  const runDir = join(dir, "run");
  try {
    await runOn(fake, [EXAMPLES], runDir);
    const r = await run(["curate", runDir, "--out", join(dir, "cur"), "--domain-quota", "Codin=0.15", "--target-pairs", "100", "--no-progress"]);
    assert.notEqual(r.code, 0);
    assert.match(errorLines(r.stderr)[0] ?? "", /--domain-quota names unknown domain "Codin" \(did you mean "Coding"\?\)/);
    assert.ok(!existsSync(join(dir, "cur")), "nothing written");
    // Plain JSONL does not say its domains: the typo is reported after the fact.
    const plain = join(dir, "pairs.jsonl");
    writeFileSync(plain, JSON.stringify({ question: "What is the capital of Norway?", answer: "Oslo", domain: "Other" }) + "\n");
    const p = await run(["curate", plain, "--out", join(dir, "cur2"), "--domain-quota", "Codin=5", "--no-progress"]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stderr, /note: --domain-quota names "Codin", but no pair has that domain/);
  } finally {
    await fake.close();
  }
});

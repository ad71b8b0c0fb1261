/**
 * A full disk, for real: the run's --out is on a small tmpfs. The run stops with one line
 * naming the file and the fix (no ENOSPC stack trace, exit 1); once space is freed (the tmpfs
 * grown), the same command resumes to exactly a clean run's outputs. An export that runs out
 * of space says so the same way and leaves no file under a final name; so does a rollout,
 * whose rerun after freeing space equals a clean rollout.
 *
 * Needs root to mount a tmpfs; elsewhere it is skipped, saying why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { copiedCorpus, errorLines, run, stackLines } from "./support/cli.js";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { plannedPairs, plannedPolicy, writeRun } from "./support/rollout-fixture.js";

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
}
function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "pipe" });
  } catch {
    /* not mounted */
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Why this machine cannot run the test, or undefined when it can. */
function cannotMount(): string | undefined {
  if (process.platform !== "linux") return "tmpfs mounts need Linux";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root (run the suite as root to include the disk-full test)";
  const probe = tempDir("wsrl-tmpfs-probe-");
  try {
    mountTmpfs(probe, "64k");
    return undefined;
  } catch (e) {
    return `mount -t tmpfs failed here (${String((e as { stderr?: Buffer }).stderr ?? e).trim()})`;
  } finally {
    unmount(probe);
  }
}
const skip = cannotMount();

const sorted = (dir: string, folder: string) => readJsonl(join(dir, folder)).map((r) => JSON.stringify(r)).sort();

test("disk full: one line naming the file and the fix; after freeing space the rerun equals a clean run", { skip, timeout: 300_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-enospc-");
  const disk = join(dir, "disk");
  const small = join(dir, "small");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 8, 7);
  mountTmpfs(disk, "160k");
  try {
    await runOn(fake, [input], join(dir, "ref"), {}, { curate: true });
    const out = join(disk, "out");
    const args = ["run", input, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--concurrency", "4", "--progress", "none"];
    const full = await run(args);
    assert.equal(full.code, 1, full.stderr);
    assert.deepEqual(stackLines(full.stderr), [], full.stderr);
    const lines = errorLines(full.stderr);
    assert.equal(lines.length, 1, full.stderr);
    assert.match(lines[0]!, new RegExp(`^webscale-rl: disk full writing ${out}/\\S+: free space and rerun the same command$`));

    // Whether a checkpoint was committed before the disk filled depends on the machine's speed
    // (commits come every second); the rerun resumes from it when there is one, and either way
    // its outputs must equal a clean run's.
    const committed = existsSync(join(out, "state", "checkpoint-main.json"));
    execFileSync("mount", ["-o", "remount,size=64m", disk]);
    const again = await run(args);
    assert.equal(again.code, 0, again.stderr);
    if (committed) assert.match(again.stderr, /Resuming/);
    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(sorted(out, folder), sorted(join(dir, "ref"), folder), folder);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const ref = JSON.parse(readFileSync(join(dir, "ref", "stats.json"), "utf8"));
    assert.deepEqual(stats.funnel, ref.funnel);

    // An export that does not fit: the same kind of line, and nothing under a final name.
    mountTmpfs(small, "32k");
    const exp = await run(["export", out, "--format", "openrlhf", "--out", join(small, "exp"), "--include-source-text", "--test-size", "0", "--no-progress"]);
    assert.equal(exp.code, 1, exp.stderr);
    assert.deepEqual(stackLines(exp.stderr), [], exp.stderr);
    assert.match(errorLines(exp.stderr)[0] ?? "", new RegExp(`^webscale-rl: disk full writing ${small}/exp\\S*: free space and rerun the same command$`));
    assert.ok(!existsSync(join(small, "exp", "train.jsonl")), `no final file: ${readdirSync(join(small, "exp")).join(", ")}`);
  } finally {
    await fake.close();
    unmount(small);
    unmount(disk);
  }
});

test("rollout on a full disk: one line naming the file and the fix; after freeing space the rerun equals a clean rollout", { skip, timeout: 300_000 }, async () => {
  const pairs = plannedPairs(60);
  const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  const dir = tempDir("wsrl-enospc-rollout-");
  const disk = join(dir, "disk");
  writeRun(join(dir, "run"), pairs, 20);
  mountTmpfs(disk, "24k");
  try {
    const args = (out: string) => ["rollout", join(dir, "run"), "--out", out, "--base-url", fake.url, "--model", "fake-model", "--max-tokens", "256", "--keep-outputs", "--no-progress"];
    const ref = await run(args(join(dir, "ref")));
    assert.equal(ref.code, 0, ref.stderr);
    const out = join(disk, "out");
    const full = await run(args(out));
    assert.equal(full.code, 1, full.stderr);
    assert.deepEqual(stackLines(full.stderr), [], full.stderr);
    const lines = errorLines(full.stderr);
    assert.equal(lines.length, 1, full.stderr);
    assert.match(lines[0]!, new RegExp(`^webscale-rl: disk full writing ${out}/\\S+: free space and rerun the same command$`));

    execFileSync("mount", ["-o", "remount,size=64m", disk]);
    const again = await run(args(out));
    assert.equal(again.code, 0, again.stderr);
    for (const folder of ["qa", "rejected"]) assert.deepEqual(sorted(out, folder), sorted(join(dir, "ref"), folder), folder);
    const samples = (d: string) => JSON.parse(readFileSync(join(d, "stats.json"), "utf8")).rollout.samples;
    assert.equal(samples(out), samples(join(dir, "ref")), "no sample counted twice");
    assert.equal(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).status, "complete");
  } finally {
    await fake.close();
    unmount(disk);
  }
});

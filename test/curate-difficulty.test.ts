/**
 * `curate --pass-rate MIN-MAX`: the band keeps exactly the planned pairs (both ends included),
 * the rest are rejected with the reason that says why (too easy, too hard, never solved by the
 * strongest model, not measured), per model with --pass-rate-model, the strongest model found
 * by its mean pass rate; rollout entries survive curation; bad settings stop before any work.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { runCurate } from "../src/curate/standalone.js";
import { defaultCurateOptions } from "../src/curate/options.js";
import { parsePassRateBand } from "../src/curate/difficulty.js";
import type { QaRecord, Rejection } from "../src/records.js";
import { readJsonl, REPO_ROOT, tempDir } from "./support/pipeline-harness.js";
import { entryFor, plannedPairs, writeRun } from "./support/rollout-fixture.js";
import { cliArgv } from "./support/cli-command.js";

const K = 8;
const cli = (args: string[]) =>
  promisify(execFile)(process.execPath, cliArgv(["curate", ...args]), { cwd: REPO_ROOT, encoding: "utf8" }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

/** Pairs measured by a weak and a strong model: weak solves i % 9 of 8, strong (i * 5) % 9 of 8; every 10th pair is not measured. */
function measuredRun(dir: string, n = 90) {
  const pairs = plannedPairs(n, "cd");
  for (const [i, p] of pairs.entries()) {
    if (i % 10 === 9) continue;
    p.rec.rollout = [entryFor("weak", i % 9), entryFor("strong", Math.min(8, (i * 5) % 9 + 2))];
  }
  // A few the strong model never solves either.
  for (const i of [0, 18, 36]) pairs[i]!.rec.rollout![1] = entryFor("strong", 0);
  writeRun(dir, pairs, 40);
  return pairs.map((p) => p.rec);
}

async function curate(run: string, out: string, difficulty: NonNullable<typeof defaultCurateOptions.difficulty>) {
  // No dedup: the fixture's questions share a template, and this test is about the band.
  await runCurate({ inputs: [run], out, options: { ...defaultCurateOptions, dedup: false, quality: false, difficulty }, partRecords: 50_000 });
  return { kept: readJsonl<QaRecord>(join(out, "qa")), rejected: readJsonl<Rejection>(join(out, "rejected")), stats: JSON.parse(readFileSync(join(out, "stats.json"), "utf8")) };
}

test("the band keeps exactly the planned pairs; the rest are too easy, too hard, never solved or not measured", async () => {
  const dir = tempDir("wsrl-difficulty-");
  const recs = measuredRun(join(dir, "run"));
  const { kept, rejected, stats } = await curate(join(dir, "run"), join(dir, "out"), { ...parsePassRateBand("0.25-0.75"), model: "weak" });

  const weak = (r: QaRecord) => r.rollout?.find((e) => e.model === "weak");
  const strong = (r: QaRecord) => r.rollout?.find((e) => e.model === "strong");
  const planned = recs.filter((r) => weak(r) && weak(r)!.correct >= 2 && weak(r)!.correct <= 6);
  assert.deepEqual(kept.map((r) => r.id), planned.map((r) => r.id), "kept: 2/8 to 6/8 under the weak model, both ends included");
  assert.deepEqual(kept, planned, "records unchanged, rollout entries included");

  const reason = new Map(rejected.map((r) => [r.pair!.id, r.reason]));
  for (const r of recs) {
    if (planned.includes(r)) continue;
    const want = !weak(r)
      ? "difficulty.not_measured"
      : weak(r)!.correct > 6
        ? strong(r)!.correct === 0
          ? "difficulty.never_solved"
          : "difficulty.too_easy"
        : strong(r)!.correct === 0
          ? "difficulty.never_solved"
          : "difficulty.too_hard";
    assert.equal(reason.get(r.id), want, `${r.id}: weak ${weak(r)?.correct}, strong ${strong(r)?.correct}`);
  }
  assert.equal(rejected.length + kept.length, recs.length);
  const never = rejected.filter((r) => r.reason === "difficulty.never_solved");
  assert.equal(never.length, 3);
  assert.match(never[0]!.detail!, /strong never solved it in 8 samples \(answers: "-1"×8\): perhaps not answerable as written/);
  assert.deepEqual(never[0]!.data, { pass_rate: 0, model: "weak", band: [0.25, 0.75], strongest: "strong" });

  const d = stats.curation.difficulty;
  assert.deepEqual(d.band, [0.25, 0.75]);
  assert.equal(d.model, "weak");
  assert.equal(d.strongest, "strong", "the strongest model by mean pass rate");
  assert.ok(d.mean_pass_rates.strong.mean_pass_rate > d.mean_pass_rates.weak.mean_pass_rate);
  for (const code of ["too_easy", "too_hard", "never_solved", "not_measured"]) assert.equal(d[code], rejected.filter((r) => r.reason === `difficulty.${code}`).length, code);
  assert.equal(stats.qa_accepted, kept.length);
  assert.equal(stats.funnel.pairs_curated, kept.length);
});

test("without --pass-rate-model each pair's first entry decides; the band's ends are kept exactly (1/8 at 0.125)", async () => {
  const dir = tempDir("wsrl-difficulty-");
  const recs = measuredRun(join(dir, "run"));
  const { kept } = await curate(join(dir, "run"), join(dir, "out"), { min: 0.125, max: 0.875 });
  assert.deepEqual(
    kept.map((r) => r.id),
    recs.filter((r) => r.rollout && r.rollout[0]!.correct >= 1 && r.rollout[0]!.correct <= 7).map((r) => r.id),
  );
  const { kept: byStrong, stats } = await curate(join(dir, "run"), join(dir, "out2"), { min: 0.5, max: 1, model: "strong", strongest: "weak" });
  assert.deepEqual(byStrong.map((r) => r.id), recs.filter((r) => r.rollout && r.rollout[1]!.correct >= 4).map((r) => r.id));
  assert.equal(stats.curation.difficulty.strongest, "weak", "as given");
});

test("curate --pass-rate from the command line, and its errors in one line before any work", async () => {
  const dir = tempDir("wsrl-difficulty-");
  const run = join(dir, "run");
  measuredRun(run);
  const ok = await cli([run, "--out", join(dir, "out"), "--pass-rate", "0.1-0.9", "--pass-rate-model", "weak", "--no-dedup", "--no-progress"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(JSON.parse(ok.stdout).rejected["difficulty.too_hard"] > 0);

  const plain = join(dir, "plain");
  writeRun(plain, plannedPairs(5, "plain"));
  const cases: [string[], RegExp][] = [
    [[run, "--out", join(dir, "e1"), "--pass-rate", "0.9-0.1"], /--pass-rate "0.9-0.1" is not a band MIN-MAX with 0 ≤ MIN ≤ MAX ≤ 1/],
    [[run, "--out", join(dir, "e2"), "--pass-rate", "0.1-0.9", "--pass-rate-model", "wek"], /--pass-rate-model wek: no input pair was rolled out with it \(models seen: weak, strong\)/],
    [[run, "--out", join(dir, "e3"), "--pass-rate-model", "weak"], /--pass-rate-model and --strongest-model go with --pass-rate MIN-MAX/],
    [[plain, "--out", join(dir, "e4"), "--pass-rate", "0.1-0.9"], /no input pair has a pass rate; run `webscale-rl rollout` on the inputs first/],
  ];
  for (const [args, message] of cases) {
    const r = await cli([...args, "--no-progress"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    // One error line (beside the note that a synthetic run has no completion marker).
    assert.equal(r.stderr.trim().split("\n").filter((l) => !l.startsWith("curate: note: ")).length, 1, r.stderr);
  }
  for (const e of ["e1", "e3"]) assert.ok(!existsSync(join(dir, e)));
});

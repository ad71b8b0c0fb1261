/**
 * The report's pass-rate figures (the page itself is opened in Chromium by report-browser):
 * bins, the band a curate kept, the --pass-rate-band flag, and no section without rollouts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildReport } from "../src/report/build.js";
import { collectRun } from "../src/report/collect.js";
import { PASS_RATE_BINS, passRateBin } from "../src/report/pass-rates.js";
import { runCurate } from "../src/curate/standalone.js";
import { defaultCurateOptions } from "../src/curate/options.js";
import { tempDir } from "./support/pipeline-harness.js";
import { entryFor, plannedPairs, writeRun } from "./support/rollout-fixture.js";

const collectOpts = { seed: 1, maxMapPoints: 100, maxTableRows: 100, maxRejectedRows: 10, passageChars: 100 };

test("pass-rate bins: 0 and 1 alone, tenths between", () => {
  const bin = (p: number) => PASS_RATE_BINS[passRateBin(p)];
  assert.deepEqual([0, 0.05, 0.1, 0.125, 0.3, 1 / 3, 0.9, 0.95, 1].map(bin), ["0", "0–0.1", "0.1–0.2", "0.1–0.2", "0.3–0.4", "0.3–0.4", "0.9–1", "0.9–1", "1"]);
});

test("the band: the one a curate kept, else 0.1–0.9, or the flag's; counts per model, domain and answer type", async () => {
  const dir = tempDir("wsrl-report-pr-");
  const pairs = plannedPairs(36, "rp");
  pairs.forEach((p, i) => (p.rec.rollout = [entryFor("m", i % 9)]));
  writeRun(join(dir, "run"), pairs);

  const all = await collectRun(join(dir, "run"), collectOpts);
  assert.equal(all.bandSource, "default");
  const m = all.passRates.byModel.get("m")!;
  assert.equal(m.pairs, 36);
  assert.equal(m.never, 4);
  assert.equal(m.always, 4);
  assert.equal(m.inBand, 28, "1/8 … 7/8 lie in 0.1–0.9: 7 of every 9 pairs");
  assert.equal([...all.passRates.byDomain.values()].reduce((n, t) => n + t.pairs, 0), 36);
  assert.equal(all.passRates.byType.get("number")!.pairs, 36);

  await runCurate({ inputs: [join(dir, "run")], out: join(dir, "kept"), options: { ...defaultCurateOptions, dedup: false, quality: false, difficulty: { min: 0.25, max: 0.75 } }, partRecords: 1000 });
  const kept = await collectRun(join(dir, "kept"), collectOpts);
  assert.equal(kept.bandSource, "curate --pass-rate");
  assert.deepEqual(kept.passRates.band, { min: 0.25, max: 0.75 });
  assert.equal(kept.passRates.byModel.get("m")!.inBand, kept.passRates.measured, "every kept pair is in the band it was kept for");

  const out = join(dir, "report.html");
  await buildReport({ runDir: join(dir, "kept"), out, maxMapPoints: 50, passRateBand: { min: 0.5, max: 1 } });
  const page = readFileSync(out, "utf8");
  assert.match(page, /The band: 0\.5–1, both ends included \(from --pass-rate-band\)/);
});

test("a run without rollouts has no difficulty section", async () => {
  const dir = tempDir("wsrl-report-pr-");
  writeRun(join(dir, "run"), plannedPairs(12, "none"));
  const out = join(dir, "report.html");
  await buildReport({ runDir: join(dir, "run"), out, maxMapPoints: 50 });
  assert.ok(!readFileSync(out, "utf8").includes('id="difficulty"'));
});

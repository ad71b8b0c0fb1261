/**
 * `rollout --cache DIR / --no-cache`, through the real command and the fake server (requests
 * counted at the server): unseeded samples at temperature 1 are cached per (request, sample
 * index), so the same rollout into a new --out sends nothing and writes the same pass rates;
 * --no-cache sends every request again; a seeded rollout has keys of its own (seed + i).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { tempDir } from "./support/pipeline-harness.js";
import { ok, run } from "./support/cli.js";
import { plannedPairs, plannedPolicy, writeRun } from "./support/rollout-fixture.js";

const qaText = (out: string) =>
  readdirSync(join(out, "qa"))
    .sort()
    .map((f) => readFileSync(join(out, "qa", f), "utf8"))
    .join("");
const passRates = (out: string) => JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).rollout.models;

test("a rerun of the same rollout into a new --out: 0 requests, the same records and pass rates; --no-cache sends them again", { timeout: 300_000 }, async (t) => {
  const dir = tempDir("wsrl-rollout-cache-");
  const pairs = plannedPairs(30);
  writeRun(join(dir, "run"), pairs);
  const fake = await startFakeOpenAI({ policy: plannedPolicy(pairs) });
  t.after(() => fake.close());
  const sent = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions")).length;
  const cacheDir = join(dir, "cache");
  const rollout = (out: string, ...extra: string[]) =>
    ok(["rollout", join(dir, "run"), "--out", join(dir, out), "--base-url", fake.url, "--model", "fake-model", "--samples", "8", "--temperature", "1", "--max-tokens", "256", "--no-progress", ...extra]);

  // Fresh samples at temperature 1 with no seed: sample i of a question is cached as sample i.
  await rollout("first", "--seed", "none", "--cache", cacheDir);
  const first = sent();
  assert.equal(first, 30, "one request (n = 8) per pair");

  const again = await rollout("second", "--seed", "none", "--cache", cacheDir);
  assert.equal(sent(), first, "the server saw no request");
  assert.match(again.stderr, /0 requests, 0 tokens; 240 samples from the response cache/);
  assert.equal(qaText(join(dir, "second")), qaText(join(dir, "first")), "the same samples, so the same records");
  assert.deepEqual(passRates(join(dir, "second")), passRates(join(dir, "first")));
  const llm = JSON.parse(readFileSync(join(dir, "second", "stats.json"), "utf8")).llm;
  assert.deepEqual([llm.requests, llm.cache_hits], [0, 240]);

  // --no-cache wins over the environment naming the folder: every request is sent.
  await ok(
    ["rollout", join(dir, "run"), "--out", join(dir, "third"), "--base-url", fake.url, "--model", "fake-model", "--samples", "8", "--max-tokens", "256", "--no-progress", "--seed", "none", "--no-cache"],
    { ...process.env, WEBSCALE_RL_CACHE: cacheDir },
  );
  assert.equal(sent() - first, 30, "--no-cache: sent again");
  assert.equal(qaText(join(dir, "third")), qaText(join(dir, "first")), "the fake server draws the same samples");

  // The default seed (0): keys of their own (sample i is the draw with seed i); the cache is on
  // by default (here through the environment), so the second time sends nothing either.
  const env = { ...process.env, WEBSCALE_RL_CACHE: cacheDir };
  const base = ["rollout", join(dir, "run"), "--base-url", fake.url, "--model", "fake-model", "--samples", "8", "--max-tokens", "256", "--no-progress"];
  await ok([...base, "--out", join(dir, "seeded")], env);
  assert.equal(sent() - first, 60);
  await ok([...base, "--out", join(dir, "seeded-again")], env);
  assert.equal(sent() - first, 60, "seeded samples from the cache");
  assert.equal(qaText(join(dir, "seeded-again")), qaText(join(dir, "seeded")));

  // A cache folder that cannot be opened: one line, exit 2, no request, nothing written.
  const notAFolder = join(dir, "file");
  writeFileSync(notAFolder, "x");
  const bad = await run([...base, "--out", join(dir, "bad"), "--cache", notAFolder]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^webscale-rl: cannot open the response cache in .*file \(.*\): pass --cache DIR with a writable folder, or --no-cache\n$/);
  assert.equal(sent() - first, 60, "no request");
  assert.ok(!existsSync(join(dir, "bad", "qa")), "nothing written");
});

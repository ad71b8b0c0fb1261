/**
 * Everything is checked before any work: a bad input, a bad config, a wrong text field or a
 * model server that refuses the run (401, 403, unknown model, nothing listening) each end
 * `webscale-rl run` with one line that says what to do, a non-zero exit, no stack trace,
 * nothing written under --out and no document sent to the model.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { EXAMPLES, tempDir } from "./support/pipeline-harness.js";
import { errorLines, run, stackLines } from "./support/cli.js";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Runs `run` and checks the shape every refusal has; returns the one error line. */
async function refused(args: string[], out: string): Promise<string> {
  const r = await run(["run", ...args, "--out", out, "--progress", "none"]);
  assert.notEqual(r.code, 0, r.stderr);
  assert.deepEqual(stackLines(r.stderr), [], r.stderr);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(!existsSync(out), `nothing is written under --out (${r.stderr})`);
  return lines[0]!;
}

test("bad inputs and bad settings: one line each, nothing written, the model never asked", { timeout: 300_000 }, async () => {
  const fake = await startFakeOpenAI();
  const dir = tempDir("wsrl-preflight-");
  const out = join(dir, "out");
  const server = ["--base-url", fake.url, "--model", "fake-model"];
  const csv = join(dir, "table.csv");
  writeFileSync(csv, "a,b\n1,2\n");
  const yaml = join(dir, "wsrl.yaml");
  writeFileSync(yaml, `llm:\n  default: { baseUrl: ${fake.url}, model: fake-model }\npersonaz: 3\n`);
  const chat = () => fake.requests.filter((r) => r.path === "/v1/chat/completions").length;
  try {
    // A missing input, with curation on and off (it used to crash or hang after writing state/).
    assert.match(await refused([join(dir, "missing.jsonl"), ...server], out), /no input files match .*missing\.jsonl.*does not exist/);
    assert.match(await refused([join(dir, "missing.jsonl"), ...server, "--no-dedup", "--no-quality", "--no-decontaminate"], out), /does not exist/);
    assert.match(await refused([csv, ...server], out), /unsupported input file .*table\.csv.*supported formats are/);
    assert.match(await refused([EXAMPLES, "--config", yaml], out), /unknown key "llm\.default" in .*wsrl\.yaml \(did you mean "defaults"\?\).*unknown key "personaz" .*\(did you mean "personas"\?\)/);
    assert.match(await refused([EXAMPLES, ...server, "--domain-quota", "Codin=0.15", "--target-pairs", "100"], out), /unknown domain "Codin" \(did you mean "Coding"\?\)/);
    assert.match(await refused([EXAMPLES, ...server, "--text-field", "body"], out), /none of its first 20 records has the text field "body"; its records have the fields: id, .*text.*: pass --text-field/);
    assert.match(await refused([EXAMPLES, ...server, "--benchmarks", join(dir, "nope.jsonl")], out), /--benchmarks: .*nope\.jsonl does not exist/);
    writeFileSync(join(dir, "a-file"), "");
    const r = await run(["run", EXAMPLES, ...server, "--out", join(dir, "a-file")]);
    assert.match(errorLines(r.stderr)[0] ?? "", /--out .*a-file is a file, not a directory/);
    assert.equal(chat(), 0, "no document was sent");
  } finally {
    await fake.close();
  }
});

test("a server that refuses the run at the start: 401, 403, unknown model, nothing listening; one line each with the fix", { timeout: 300_000 }, async () => {
  const keyed = await startFakeOpenAI({ apiKey: "right-key", strictModels: true });
  const forbidden = await startFakeOpenAI({ forbidden: true });
  const dir = tempDir("wsrl-refused-");
  const out = join(dir, "out");
  try {
    const badKey = await refused([EXAMPLES, "--base-url", keyed.url, "--api-key", "wrong-key", "--model", "fake-model"], out);
    assert.match(badKey, /rejected the API key \(HTTP 401 .*Incorrect API key provided.*\): give the right key with --api-key or OPENAI_API_KEY/);
    assert.doesNotMatch(badKey, /wrong-key/, "the key itself is never printed");
    // Without --model the advice is still about the key, not "pass --model".
    const noModel = await refused([EXAMPLES, "--base-url", keyed.url, "--api-key", "wrong-key"], out);
    assert.match(noModel, /rejected the API key/);
    assert.doesNotMatch(noModel, /--model/);
    assert.match(await refused([EXAMPLES, "--base-url", forbidden.url, "--model", "fake-model"], out), /refused access \(HTTP 403 .*not allowed.*\): this API key may not use it/);
    assert.match(await refused([EXAMPLES, "--base-url", keyed.url, "--api-key", "right-key", "--model", "fake-modle"], out), /does not serve the model "fake-modle" \(used by filter, identify, generate, check[^)]*\); it serves: fake-model: pass --model/);
    const port = await closedPort();
    assert.match(await refused([EXAMPLES, "--base-url", `http://127.0.0.1:${port}/v1`, "--model", "fake-model"], out), new RegExp(`cannot reach the model server at http://127\\.0\\.0\\.1:${port}/v1 \\(connection refused\\): start the server, or fix --base-url`));
    for (const s of [keyed, forbidden]) assert.equal(s.requests.filter((r) => r.path === "/v1/chat/completions").length, 0);
  } finally {
    await keyed.close();
    await forbidden.close();
  }
});

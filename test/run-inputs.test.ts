/**
 * What a run reads: a file that breaks part-way is not done (a later run with a good copy
 * continues it); one huge record costs at most --max-windows windows; a later input whose
 * records all lack the text field stops the run naming their fields; a key in the base URL's
 * query reaches the server but is written nowhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { resolveRunConfig } from "../src/config/load.js";
import { createLlmClient } from "../src/llm/index.js";
import { TextFieldError } from "../src/pipeline/text-field-check.js";
import { allFiles, EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { copiedCorpus, readJson } from "./support/cli.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";


const sorted = (dir: string, folder: string) => readJsonl(join(dir, folder)).map((r) => JSON.stringify(r)).sort();

test("a truncated .gz is not done: a later run with a good copy reads the rest, and the result equals a clean run's", { timeout: 180_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-gz-");
  const gz = join(dir, "corpus.jsonl.gz");
  const plain = join(dir, "corpus.jsonl");
  copiedCorpus(plain, 3, 7);
  const full = gzipSync(readFileSync(plain));
  try {
    writeFileSync(gz, full);
    await runOn(fake, [gz], join(dir, "ref"));
    const out = join(dir, "out");
    writeFileSync(gz, full.subarray(0, Math.floor(full.length * 0.5)));
    const first = await runOn(fake, [gz], out);
    const broken = readJsonl(join(out, "rejected")).filter((r) => r.reason === "input.unreadable_file");
    assert.equal(broken.length, 1);
    assert.ok(broken[0].source.line > 1, "the rejection says where the file broke");
    assert.deepEqual(readJson(join(out, "state", "checkpoint-main.json")).filesDone, {}, "the file is not done");
    assert.ok(first.stats.documents_read < 76);

    writeFileSync(gz, full);
    const second = await runOn(fake, [gz], out);
    assert.deepEqual(sorted(out, "qa"), sorted(join(dir, "ref"), "qa"), "the pairs of the whole file, each once");
    assert.deepEqual(sorted(out, "documents"), sorted(join(dir, "ref"), "documents"));
    const rejected = readJsonl(join(out, "rejected")).filter((r) => r.reason !== "input.unreadable_file").map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(rejected, sorted(join(dir, "ref"), "rejected"), "the same rejections, plus the counted read error");
    assert.deepEqual(readJson(join(out, "state", "checkpoint-main.json")).filesDone, { [gz]: 76 }, "now it is done, with its 76 records (one of them a broken line)");
    assertStatsAddUp(second.stats);
  } finally {
    await fake.close();
  }
});

test("--max-windows: a huge record is split into at most N windows; the rest is one counted rejection", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-windows-");
  const input = join(dir, "huge.jsonl");
  const paragraphs = Array.from({ length: 400 }, (_, p) =>
    Array.from({ length: 6 }, (_, s) => `In survey year ${1900 + p} the station at site ${p * 7 + s} recorded ${p * 13 + s * 3} millimetres of rain over ${s + 20} days.`).join(" "),
  );
  writeFileSync(input, JSON.stringify({ id: "huge", text: paragraphs.join("\n\n") }) + "\n");
  try {
    const res = await runOn(fake, [input], join(dir, "out"), { maxDocTokens: 400, maxWindows: 3 });
    const rest = readJsonl(join(dir, "out", "rejected")).filter((r) => r.reason === "prefilter.too_many_windows");
    assert.equal(rest.length, 1);
    assert.equal(rest[0].doc_id, "huge");
    assert.equal(rest[0].source.window.index, 3);
    assert.match(rest[0].detail, /about \d+ windows of 400 tokens; the first 3 were used \(--max-windows 3\)/);
    assert.equal(res.stats.llm.by_stage.filter!.requests, 3, "one filter call per kept window, none for the rest");
    assert.equal(res.stats.windows_extra, 3);
    assertStatsAddUp(res.stats);
  } finally {
    await fake.close();
  }
});

test("a later input whose first records all lack the text field stops the run, naming their fields; none of them is recorded", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-field-");
  const other = join(dir, "other-schema.jsonl");
  writeFileSync(other, Array.from({ length: 30 }, (_, i) => JSON.stringify({ uid: `u${i}`, body: `text ${i}`, lang: "en" })).join("\n") + "\n");
  const out = join(dir, "out");
  try {
    await assert.rejects(runOn(fake, [EXAMPLES, other], out), (e: unknown) => {
      assert.ok(e instanceof TextFieldError);
      assert.match(e.message, /other-schema\.jsonl: none of its first 20 records has the text field "text"; its records have the fields: uid, body, lang: pass --text-field/);
      return true;
    });
    assert.deepEqual(readJsonl(join(out, "rejected")).filter((r) => r.source.file === other), [], "nothing of that file was recorded");
    assert.ok(readJsonl(join(out, "qa")).length > 0, "the first input's work is kept");
    assert.equal(readJson(join(out, "state", "writer-main.json")).status, "stopped");
  } finally {
    await fake.close();
  }
});

test("secrets in a base URL: a query key reaches the server but no file; user-info is refused without being shown", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const dir = tempDir("wsrl-url-secret-");
  const out = join(dir, "out");
  try {
    await runOn(fake, [EXAMPLES], out, { limit: 3, llm: { defaults: { baseUrl: [`${fake.url}?api-key=SECRET-Q-123&api-version=2024-06-01`] } } });
    assert.ok(fake.requests.some((r) => r.path === "/v1/chat/completions" && r.query === "api-key=SECRET-Q-123&api-version=2024-06-01"), "the query is sent");
    for (const f of allFiles(out)) assert.ok(!readFileSync(f, "utf8").includes("SECRET-Q-123"), `${f} holds the key`);
    assert.deepEqual(readJson(join(out, "run.json")).config.llm.defaults.baseUrl, [`${fake.url}?api-key=<redacted>&api-version=2024-06-01`]);

    const { config } = resolveRunConfig({ inputs: [EXAMPLES], out, llm: { defaults: { baseUrl: ["http://user:PASSWORD-9@127.0.0.1:1/v1"], model: "m" } } }, { env: {} });
    await assert.rejects(createLlmClient(config.llm), (e: unknown) => {
      const msg = (e as Error).message;
      assert.match(msg, /contains credentials: remove them and pass the key with --api-key/);
      assert.doesNotMatch(msg, /PASSWORD-9/);
      return true;
    });
  } finally {
    await fake.close();
  }
});

/**
 * A queue's run directory pins its models like a run's: the first chunk records them, and a
 * worker with other models is refused with the differences; `queue work --force` lets that
 * worker's chunks through, recorded in run.json, without moving the pins for the rest of the
 * fleet; a second submit with other settings is refused at submit. Real processes, a real
 * redis-server; the chunk the first worker must not touch is kept from it by another process
 * holding its lock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { startStageServer, tempDir } from "./support/pipeline-harness.js";
import { alive, cli, copiedCorpus, ok, readJson, stackLines, until } from "./support/cli.js";
import { heldBy } from "./support/lock-holder.js";
import { redisMissing, startRedis } from "./support/redis-server.js";

test("queue: a worker with other models is refused for the run's chunks; with --force it runs them and run.json records it", { skip: redisMissing(), timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const fake = await startStageServer();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const q = new Queue("webscale-rl", { connection: redis });
  const dir = tempDir("wsrl-queue-pinned-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 1, 3);
  const out = join(dir, "out");
  const work = (extra: string[]) => ["queue", "work", "--redis", redisServer.url, "--chunks-at-once", "1", "--lock-duration", "1500", "--stalled-interval", "500", "--base-url", fake.url, ...extra];
  let h: Awaited<ReturnType<typeof heldBy>> | undefined;
  try {
    // Two chunks; a failed attempt waits an hour, so the test decides when the retry comes.
    await ok(["queue", "submit", input, "--redis", redisServer.url, "--out", out, "--chunk-docs", "13", "--attempts", "2", "--backoff", "3600", "--no-dedup"]);
    const [first, second] = (await redis.hkeys("wsrl:webscale-rl:chunk-docs")).sort();
    h = await heldBy(out, `c-${second}`);

    // Worker A (fake-model) runs the first chunk and pins its models; the second is held elsewhere.
    const a = cli(work(["--model", "fake-model"]));
    await until(() => alive(a) && a.stderr().includes(`chunk ${first} done`) && a.stderr().includes(`chunk ${second} is still being written`), "worker A to finish one chunk and meet the other's lock");
    a.child.kill("SIGINT");
    assert.equal(await a.exited, 0, a.stderr());
    h.child.kill("SIGKILL");
    await h.exited;
    assert.equal(readJson(join(out, "run.json"))?.pinned?.models?.generate, "fake-model");

    // Worker B, another model: refused, the difference named, an attempt used.
    const b = cli(work(["--model", "other-model"]));
    await until(() => alive(b) && b.stderr().includes(`chunk ${second} failed (attempt 1)`), "worker B's refusal");
    assert.match(b.stderr(), /was made with other settings \(model for \w+: fake-model → other-model.*pass --force/);
    assert.deepEqual(stackLines(b.stderr()), []);
    b.child.kill("SIGINT");
    assert.equal(await b.exited, 0, b.stderr());
    assert.equal(readJson(join(out, "state", `writer-c-${second}.json`)), undefined, "the refused chunk wrote nothing");

    // Worker C, the same other model with --force: the retry (brought forward) runs and is recorded.
    await (await q.getJob(second!))!.promote();
    const c = await ok(work(["--model", "other-model", "--force", "--until-empty"]));
    assert.match(c.stderr, new RegExp(`chunk ${second} done`));
    assert.match(c.stderr, /--force: continuing .* with different settings \(model for \w+: fake-model → other-model/);
    let manifest = readJson(join(out, "run.json"));
    assert.equal(manifest.forced.length, 1);
    assert.equal(manifest.forced[0].writer, `c-${second}`);
    assert.equal(readJson(join(out, "state", `writer-c-${second}.json`))?.status, "complete");

    // The forced chunk did not move the pins: the fleet on the first model goes on unrefused.
    assert.equal(manifest.pinned.models.generate, "fake-model");
    const more = join(dir, "more.jsonl");
    copiedCorpus(more, 1, 3, "more");
    await ok(["queue", "submit", more, "--redis", redisServer.url, "--out", out, "--chunk-docs", "13", "--attempts", "2", "--backoff", "3600", "--no-dedup"]);
    // A refusal would wait an hour for its retry: stop at the first failure instead.
    const d = cli(work(["--model", "fake-model", "--until-empty"]));
    await until(() => d.child.exitCode !== null || /failed \(attempt/.test(d.stderr()), "worker D to finish or fail");
    assert.doesNotMatch(d.stderr(), /other settings|failed \(attempt/, d.stderr());
    assert.equal(await d.exited, 0, d.stderr());
    assert.equal((await q.getJobCounts("completed")).completed, await redis.hlen("wsrl:webscale-rl:chunk-docs"), "every chunk done");
    manifest = readJson(join(out, "run.json"));
    assert.deepEqual(manifest.pinned.inputs, [input, more], "run.json lists every input submitted");
    assert.equal(manifest.pinned.models.generate, "fake-model");
  } finally {
    h?.child.kill("SIGKILL");
    await q.close();
    redis.disconnect();
    await fake.close();
    await redisServer.close();
  }
});

test("queue submit: other settings for an --out already submitted are refused with the differences, nothing queued; more inputs add chunks; --force replaces the settings", { skip: redisMissing(), timeout: 120_000 }, async () => {
  const redisServer = await startRedis();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const dir = tempDir("wsrl-queue-resubmit-");
  const [a, b] = [join(dir, "a.jsonl"), join(dir, "b.jsonl")];
  copiedCorpus(a, 1, 3);
  copiedCorpus(b, 1, 3, "b");
  const out = join(dir, "out");
  // The server from the environment, as many submit: the comparison must resolve under it too.
  const env = { ...process.env, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
  const submit = (inputs: string[], extra: string[] = []) => cli(["queue", "submit", ...inputs, "--redis", redisServer.url, "--out", out, "--chunk-docs", "13", ...extra], env);
  const stored = async () => JSON.parse((await redis.hvals("wsrl:webscale-rl:runs"))[0]!).layer;
  const chunks = () => redis.hlen("wsrl:webscale-rl:chunk-docs");
  try {
    const first = submit([a], ["--model", "fake-model"]);
    assert.equal(await first.exited, 0, first.stderr());
    const queued = await chunks();
    assert.ok(queued >= 2, `${queued} chunks`);

    // Another plan and text field; then another model alone: each refused, the differences named.
    for (const [extra, diffs] of [
      [["--model", "fake-model", "--plan", "efficient", "--text-field", "body"], /\(--plan: "paper" → "efficient"; --text-field: "text" → "body"\)/],
      [["--model", "other-model"], /\(model for filter: fake-model → other-model; model for identify: fake-model → other-model; .*\)/],
    ] as const) {
      const other = submit([a, b], [...extra]);
      assert.equal(await other.exited, 2, other.stderr());
      assert.deepEqual(stackLines(other.stderr()), []);
      const line = other.stderr().trim();
      assert.equal(line.split("\n").length, 1, line);
      assert.match(line, /was submitted to queue "webscale-rl" on \S+ with other settings/);
      assert.match(line, diffs);
      assert.match(line, /pass --force to replace them/);
      assert.equal(await chunks(), queued, "nothing queued");
    }
    assert.equal((await stored()).plan ?? "paper", "paper", "the stored settings are unchanged");

    const more = submit([a, b], ["--model", "fake-model"]);
    assert.equal(await more.exited, 0, more.stderr());
    assert.ok((await chunks()) > queued, "the new input's chunks are queued");

    const forced = submit([a, b], ["--model", "other-model", "--plan", "efficient", "--force"]);
    assert.equal(await forced.exited, 0, forced.stderr());
    assert.match(forced.stderr(), /--force: replacing the settings submitted for .* \(--plan: "paper" → "efficient"\)/);
    assert.equal((await stored()).plan, "efficient");
  } finally {
    redis.disconnect();
    await redisServer.close();
  }
});

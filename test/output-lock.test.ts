/**
 * The output lock between real processes: a second writer is refused with who holds it and
 * what to do; a holder killed with SIGKILL leaves a lock the next writer takes over; a lock
 * from another host is judged by its heartbeat on the file system's clock; of many processes
 * that find the same stale lock, exactly one takes it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { acquireLock, inspectLock, LockHeldError, lockPath } from "../src/io/output-lock.js";
import { resolveRunConfig } from "../src/config/load.js";
import { createLlmClient } from "../src/llm/index.js";
import { runPipeline, RunStoppedError } from "../src/pipeline/run.js";
import { EXAMPLES, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { until } from "./support/cli.js";
import { holder } from "./support/lock-holder.js";

/** A lock as another machine would leave it: its pid means nothing here. */
function foreignLock(dir: string, name: string, ageSeconds: number) {
  const path = lockPath(dir, name);
  writeFileSync(path, JSON.stringify({ host: "another-host.example", pid: 4242, started_at: "2025-01-01T00:00:00.000Z", command: "webscale-rl run", token: "feedfacefeedface" }) + "\n");
  const t = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(path, t, t);
  return path;
}

test("a live holder refuses a second writer (saying who and how); after kill -9 the next writer takes the lock over", { timeout: 60_000 }, async () => {
  const dir = tempDir("wsrl-lock-");
  const h = holder(dir, "main");
  try {
    await until(() => {
      if (h.child.exitCode !== null) assert.fail("the holder exited first");
      return h.out().includes("held");
    }, "the holder to take the lock");
    await assert.rejects(acquireLock(dir, "main"), (e: unknown) => {
      assert.ok(e instanceof LockHeldError);
      assert.equal(e.owner?.pid, h.child.pid);
      assert.match(e.message, new RegExp(`pid ${h.child.pid} on ${hostname()}`));
      assert.match(e.message, /only one writer at a time/);
      assert.match(e.message, new RegExp(`kill ${h.child.pid}`));
      return true;
    });
    h.child.kill("SIGKILL");
    await h.exited;
    assert.equal(inspectLock(dir, "main").state, "stale");
    const notes: string[] = [];
    const lock = await acquireLock(dir, "main", { log: (m) => notes.push(m) });
    assert.match(notes.join("\n"), new RegExp(`Took over the stale lock .*process ${h.child.pid} is gone`));
    assert.equal(JSON.parse(readFileSync(lock.path, "utf8")).pid, process.pid);
    lock.release();
    assert.equal(inspectLock(dir, "main").state, "free");
  } finally {
    h.child.kill("SIGKILL");
  }
});

test("a lock from another host: refused while its heartbeat is fresh, taken over once it is older than the stale limit", async () => {
  const dir = tempDir("wsrl-lock-");
  foreignLock(dir, "s0of4", 5);
  await assert.rejects(acquireLock(dir, "s0of4"), (e: unknown) => {
    assert.ok(e instanceof LockHeldError);
    assert.match(e.message, /pid 4242 on another-host\.example/);
    assert.match(e.message, /last heartbeat \d+ s ago/);
    assert.match(e.message, /remove .*\.lock-s0of4/);
    return true;
  });
  foreignLock(dir, "s0of4", 3600);
  const notes: string[] = [];
  const lock = await acquireLock(dir, "s0of4", { log: (m) => notes.push(m) });
  assert.match(notes.join("\n"), /no heartbeat for \d+ s/);
  lock.release();
});

test("the holder's heartbeat keeps its lock fresh, and a holder whose lock was taken is told", async () => {
  const dir = tempDir("wsrl-lock-");
  const lock = await acquireLock(dir, "export", { heartbeatMs: 50 });
  try {
    const old = new Date(Date.now() - 3600_000);
    utimesSync(lock.path, old, old);
    await until(() => Date.now() - (readMtime(lock.path) ?? 0) < 600_000, "the heartbeat to move the lock's mtime");
    let lost = false;
    lock.onLost(() => (lost = true));
    // Another process judged it stale and took it (as breaking does: remove, then create anew).
    unlinkSync(lock.path);
    writeFileSync(lock.path, JSON.stringify({ host: "other", pid: 1, started_at: "x", command: "y", token: "not-ours" }));
    await until(() => lost, "the holder to notice");
  } finally {
    lock.release();
  }
  assert.equal(JSON.parse(readFileSync(lockPath(dir, "export"), "utf8")).token, "not-ours", "release never removes a lock that is not ours");
});

test("six processes find the same stale lock: exactly one takes it", { timeout: 60_000 }, async () => {
  const dir = tempDir("wsrl-lock-");
  foreignLock(dir, "main", 3600);
  const racers = Array.from({ length: 6 }, () => holder(dir, "main", "--try"));
  try {
    await until(() => racers.every((r) => /won|refused/.test(r.out())), "every racer to decide");
    const won = racers.filter((r) => r.out().includes("won"));
    assert.equal(won.length, 1, racers.map((r) => r.out()).join(""));
    const lock = JSON.parse(readFileSync(lockPath(dir, "main"), "utf8"));
    assert.equal(lock.pid, won[0]!.child.pid);
  } finally {
    for (const r of racers) r.child.kill("SIGKILL");
  }
});

function readMtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

test("a run whose lock is taken over stops without writing one more byte", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  // A few documents finish, then every request hangs: the run is alive but idle.
  fake.addFault({ kind: "hang", times: Infinity, match: (c) => c.index >= 10 });
  const out = tempDir("wsrl-lock-lost-");
  const { config } = resolveRunConfig({ inputs: [EXAMPLES], out, progress: "none", llm: { concurrency: 2, timeoutMs: 600_000, defaults: { baseUrl: [fake.url], model: "fake-model" } } }, { env: {} });
  const llm = await createLlmClient(config.llm);
  try {
    const running = runPipeline(config, { llm, log: () => {} });
    const checkpoint = join(out, "state", "checkpoint-main.json");
    await until(() => existsSync(checkpoint), "a checkpoint");
    // Another process judged this one gone and took the lock (as breaking does: remove, create anew).
    const path = lockPath(out, "main");
    unlinkSync(path);
    writeFileSync(path, JSON.stringify({ host: "other-host", pid: 1, started_at: "x", command: "webscale-rl run", token: "taken-over" }));
    const before = { checkpoint: readFileSync(checkpoint, "utf8"), writer: readFileSync(join(out, "state", "writer-main.json"), "utf8") };
    await assert.rejects(running, (e: unknown) => e instanceof RunStoppedError && /another process took over the lock .*stopped without writing more/.test(e.message));
    assert.equal(readFileSync(checkpoint, "utf8"), before.checkpoint, "no commit after the takeover");
    assert.equal(readFileSync(join(out, "state", "writer-main.json"), "utf8"), before.writer, "the status is the new owner's to write");
    assert.equal(JSON.parse(readFileSync(path, "utf8")).token, "taken-over", "the new owner's lock stays");
  } finally {
    await llm.close();
    await fake.close();
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { buildJudge } from "../src/reward/judge-config.js";
import { Scorer } from "../src/reward/score.js";
import { startRewardServer } from "../src/reward/server.js";
import { cliArgv } from "./support/cli-command.js";
import { freePort } from "./support/redis-server.js";
import { alive, cli as cliProcess, errorLines, run as runCli, stackLines, until as waitFor } from "./support/cli.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function post(url: string, body: unknown, raw = false) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

async function stats(url: string): Promise<any> {
  return (await fetch(`${url}/stats`)).json();
}

/** Polls the server's own counters until `ok` holds (the deadline only guards against a hang). */
async function until(url: string, ok: (s: any) => boolean, what: string): Promise<any> {
  for (let i = 0; i < 3000; i++) {
    const s = await stats(url);
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A client that sends its headers and then its body one byte at a time, every `everyMs` (never finishing in a test). */
function trickler(port: number, everyMs = 0): Promise<{ socket: net.Socket; response: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write("POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{");
      if (everyMs > 0) {
        const tick = setInterval(() => (socket.writable ? socket.write(" ") : clearInterval(tick)), everyMs);
        tick.unref();
        socket.on("close", () => clearInterval(tick));
      }
      let got = "";
      const response = new Promise<string>((done) => {
        socket.on("data", (d) => (got += d.toString()));
        socket.on("close", () => done(got));
        socket.on("error", () => done(got));
      });
      resolve({ socket, response });
    });
    socket.once("error", reject);
  });
}

/** A judge whose replies wait until `release()`, to hold requests in flight. */
async function gatedSetup(maxQueue: number, bodyTimeoutMs?: number) {
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const fake = await startFakeOpenAI({
    handlers: {
      judge_verdict: async (ctx) => {
        await gate;
        return { equivalent: /Response: New York/.test(ctx.userText) };
      },
    },
  });
  const judge = (await buildJudge({ baseUrl: fake.url, model: "fake-model", maxRetries: 0 }))!;
  const server = await startRewardServer({ scorer: new Scorer({ judge }), port: 0, maxQueue, maxBodyBytes: 64 * 1024, maxItems: 1000, bodyTimeoutMs });
  open(); // open by default; `hold()` closes it
  return {
    fake,
    server,
    hold: () => (gate = new Promise<void>((r) => (open = r))),
    release: () => open(),
    close: async () => {
      open();
      await server.close();
      await judge.client.close();
      await fake.close();
    },
  };
}

test("POST /get_reward speaks OpenRLHF's remote reward protocol", async () => {
  const s = await gatedSetup(8);
  try {
    const prompt = "Q: How far is it from A to B?\nThink, then answer in <answer></answer>.\n";
    const body = {
      query: [
        prompt + "It is 1,200 km.\n<answer>1200 kilometers</answer>",
        prompt + "<answer>120 km</answer>",
        "Which city?\nReasoning.\n<answer>New York</answer>",
        "Q2\n<answer>Allium cepa</answer>",
        "Which strokes?\n<answer>compression, intake, power, exhaust</answer>",
        "Which strokes, in the order they happen?\n<answer>compression, intake, power, exhaust</answer>",
      ],
      prompts: [prompt, prompt, "Which city?\n", "Q2\n", "Which strokes?\n", "Which strokes, in the order they happen?\n"],
      labels: [
        "1,200 km",
        "1,200 km",
        "New York City",
        JSON.stringify({ answer: "Onion", aliases: ["Allium cepa"] }),
        // The export's reward_label: the order flag travels in the label, as OpenRLHF sends only labels.
        JSON.stringify({ answer: "intake, compression, power, exhaust", aliases: [], ordered: true }),
        // A plain label: the question's own words say the order matters.
        "intake, compression, power, exhaust",
      ],
    };
    const r = await post(`${s.server.url}/get_reward`, body);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.rewards, [1, 0, 1, 1, 0, 0]);
    assert.deepEqual(r.json.scores, [1, 0, 1, 1, 0, 0]);
    assert.deepEqual(r.json.extra_logs.judge_decided, [0, 0, 1, 0, 0, 0]);
    assert.deepEqual(r.json.extra_logs.rule_decided, [1, 1, 0, 1, 1, 1]);
  } finally {
    await s.close();
  }
});

test("POST /score scores a batch and returns details; /health and /stats report", async () => {
  const s = await gatedSetup(8);
  try {
    const health = await fetch(`${s.server.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as any).status, "ok");
    const items = [
      { ground_truth: "March 5, 1990", response: "Reasoning\n<answer>1990-03-05</answer>" },
      { ground_truth: "12", response: "\\boxed{120}" },
      { ground_truth: "Onion", aliases: ["Bulb onion"], response: "Final answer: bulb onions" },
      ...Array.from({ length: 16 }, () => ({ question: "Which city?", ground_truth: "New York City", response: "<answer>New York</answer>" })),
    ];
    const r = await post(`${s.server.url}/score`, { items });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.scores.slice(0, 3), [1, 0, 1]);
    assert.equal(r.json.details[0].decided_by, "date");
    assert.equal(r.json.details[1].decided_by, "number");
    assert.equal(r.json.details[2].decided_by, "alias");
    assert.ok(r.json.scores.slice(3).every((x: number) => x === 1));
    assert.equal(s.fake.requests.filter((q) => q.schemaName === "judge_verdict").length, 1, "16 identical rollouts: one judge call");
    const stats = (await (await fetch(`${s.server.url}/stats`)).json()) as any;
    assert.equal(stats.decided_by.date, 1);
    assert.equal(stats.decided_by.number, 1);
    assert.equal(stats.decided_by.judge, 16);
    assert.equal(stats.judge.calls, 1);
    assert.equal(stats.judge.cache_hits + stats.judge.inflight_joins, 15);
    assert.equal(stats.server.score, 1);
    assert.equal(typeof stats.latency.p50_ms, "number");
    assert.equal(typeof stats.server.request_latency.p99_ms, "number");
  } finally {
    await s.close();
  }
});

test("malformed requests get a 4xx JSON error naming the problem", async () => {
  const s = await gatedSetup(8);
  try {
    const u = s.server.url;
    const cases: Array<[string, unknown, boolean, number, RegExp, string?]> = [
      ["/get_reward", "{not json", true, 400, /not valid JSON/],
      ["/get_reward", [1, 2], false, 400, /JSON object/],
      ["/get_reward", { query: ["a"] }, false, 400, /"labels" is required/, "labels"],
      ["/get_reward", { query: ["a", "b"], labels: ["x"] }, false, 400, /"labels" has 1 entries but "query" has 2/, "labels"],
      ["/get_reward", { query: ["a"], labels: [3] }, false, 400, /labels\[0\]" must be a string/, "labels[0]"],
      ["/get_reward", { query: "a", labels: ["x"] }, false, 400, /"query" must be an array/, "query"],
      ["/get_reward", { query: ["a"], prompts: ["p", "q"], labels: ["x"] }, false, 400, /"prompts" has 2/, "prompts"],
      ["/score", {}, false, 400, /"items" is required/, "items"],
      ["/score", { items: [{ ground_truth: "x" }] }, false, 400, /items\[0\]\.response/, "items[0].response"],
      ["/score", { items: [{ ground_truth: 1, response: "x" }] }, false, 400, /items\[0\]\.ground_truth/],
      ["/score", { items: [{ ground_truth: "x", response: "y", aliases: "z" }] }, false, 400, /aliases/],
      ["/score", { items: Array.from({ length: 1001 }, () => ({ ground_truth: "a", response: "a" })) }, false, 400, /too many items/],
      ["/score", { items: [{ ground_truth: "x".repeat(70_000), response: "y" }] }, false, 413, /exceeds the limit/],
      ["/nope", {}, false, 404, /no route/],
    ];
    for (const [route, body, raw, status, message, field] of cases) {
      const r = await post(u + route, body, raw);
      assert.equal(r.status, status, `${route} ${JSON.stringify(body).slice(0, 60)}`);
      assert.match(r.json.message, message);
      assert.equal(typeof r.json.error, "string");
      if (field) assert.equal(r.json.field, field);
    }
    const get = await fetch(`${u}/score`);
    assert.equal(get.status, 405);
    // The server is still fine after all that.
    assert.equal((await post(`${u}/score`, { items: [{ ground_truth: "a", response: "a" }] })).status, 200);
    const stats = (await (await fetch(`${u}/stats`)).json()) as any;
    assert.equal(stats.server.bad_requests, cases.length + 1);
  } finally {
    await s.close();
  }
});

test("a full queue answers 503 with Retry-After, and admitted requests still finish", async () => {
  const s = await gatedSetup(2);
  try {
    s.hold();
    const slow = (i: number) => post(`${s.server.url}/score`, { items: [{ question: `q${i}`, ground_truth: "New York City", response: "<answer>New York</answer>" }] });
    const admitted = [slow(1), slow(2)];
    for (let i = 0; i < 200; i++) {
      const h = (await (await fetch(`${s.server.url}/health`)).json()) as any;
      if (h.in_flight === 2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const rejected = await slow(3);
    assert.equal(rejected.status, 503);
    assert.equal(rejected.json.error, "queue_full");
    assert.equal(rejected.headers.get("retry-after"), "1");
    // Health and stats are not queued.
    assert.equal((await fetch(`${s.server.url}/health`)).status, 200);
    s.release();
    for (const r of await Promise.all(admitted)) {
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.scores, [1]);
    }
    const stats = (await (await fetch(`${s.server.url}/stats`)).json()) as any;
    assert.equal(stats.server.rejected_queue_full, 1);
  } finally {
    await s.close();
  }
});

test("clients that trickle their bodies hold a socket, never a queue slot: real requests still get through", async () => {
  // 256 clients trickling a byte every 100 ms against a queue of 2: before, they took every slot.
  const s = await gatedSetup(2, 600_000);
  const slow: net.Socket[] = [];
  try {
    for (let i = 0; i < 256; i++) slow.push((await trickler(s.server.port, 100)).socket);
    // The server itself says all 256 are still sending their bodies, and none is admitted.
    const before = await until(s.server.url, (x) => x.server.reading_bodies === 256, "256 bodies in progress");
    assert.equal(before.server.in_flight, 0);
    const real = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post(`${s.server.url}/score`, { items: [{ question: `q${i}`, ground_truth: "12 km", response: "<answer>12000 m</answer>" }] })),
    );
    for (const r of real) {
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.scores, [1]);
    }
    const after = await stats(s.server.url);
    assert.equal(after.server.rejected_queue_full, 0);
    assert.equal(after.server.reading_bodies, 256);
  } finally {
    for (const sock of slow) sock.destroy();
    await s.close();
  }
});

test("a body that does not arrive in time gets 408 and the connection is closed", async () => {
  const s = await gatedSetup(2, 300);
  try {
    const t = await trickler(s.server.port);
    const reply = await t.response; // the server answers and closes; no timing is asserted
    assert.match(reply, /^HTTP\/1\.1 408/);
    assert.match(reply, /body_timeout/);
    const st = await until(s.server.url, (x) => x.server.reading_bodies === 0, "the slow body to be dropped");
    assert.equal(st.server.body_timeouts, 1);
    assert.equal(st.server.in_flight, 0);
  } finally {
    await s.close();
  }
});

test("a failing judge fails the request (502), shows degraded in /health and /stats, and recovers", async () => {
  const s = await gatedSetup(8);
  try {
    s.fake.addFault({ kind: "401", times: Infinity });
    const items = [
      { question: "Which city?", ground_truth: "New York City", response: "<answer>New York</answer>" },
      { ground_truth: "12", response: "<answer>12</answer>" },
    ];
    const r = await post(`${s.server.url}/score`, { items });
    assert.equal(r.status, 502);
    assert.equal(r.json.error, "judge_failed");
    assert.equal(r.json.kind, "auth");
    assert.deepEqual(r.json.failed_items, [0]);
    assert.equal(r.json.scores, undefined, "no scores that look like rewards");
    const g = await post(`${s.server.url}/get_reward`, { query: ["Which city?\n<answer>New York</answer>"], prompts: ["Which city?\n"], labels: ["New York City"] });
    assert.equal(g.status, 502);
    assert.equal(g.json.rewards, undefined);
    const health = (await (await fetch(`${s.server.url}/health`)).json()) as any;
    assert.equal(health.status, "degraded");
    assert.equal(health.judge_errors.auth, 2, "failures are not cached: each request asked the judge");
    const st = await stats(s.server.url);
    assert.equal(st.status, "degraded");
    assert.equal(st.server.judge_failed, 2);
    assert.equal(st.judge.degraded, true);
    assert.equal(st.judge_failed, 2);
    s.fake.clearFaults();
    const ok = await post(`${s.server.url}/score`, { items });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.scores, [1, 1]);
    assert.equal(((await (await fetch(`${s.server.url}/health`)).json()) as any).status, "ok");
  } finally {
    await s.close();
  }
});

test("CLI: reward score prints the score and how it was decided; reward serve listens", async () => {
  const run = promisify(execFile);
  const cli = cliArgv([]);
  const { stdout } = await run(process.execPath, [...cli, "reward", "score", "--ground-truth", "1,200 km", "--response", "Thinking...\n<answer>1200 kilometers</answer>"], { cwd: repoRoot });
  assert.match(stdout, /score: 1/);
  assert.match(stdout, /decided by: number/);
  const json = await run(process.execPath, [...cli, "reward", "score", "--ground-truth", "12", "--response", "120", "--json"], { cwd: repoRoot });
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.score, 0);
  assert.equal(parsed.decided_by, "number");

  // With a judge (the fake server), through the model layer; the API key never shows.
  const fake = await startFakeOpenAI({ handlers: { judge_verdict: () => ({ equivalent: true }) } });
  try {
    const judged = await run(process.execPath, [...cli, "reward", "score", "--ground-truth", "New York City", "--response", "<answer>New York</answer>", "--question", "Which city?", "--judge-base-url", fake.url, "--judge-model", "fake-model", "--judge-api-key", "sk-SECRET-123"], { cwd: repoRoot });
    assert.match(judged.stdout, /score: 1/);
    assert.match(judged.stdout, /decided by: judge/);
    assert.doesNotMatch(judged.stdout + judged.stderr, /SECRET/);
    assert.equal(fake.requests.filter((q) => q.schemaName === "judge_verdict").length, 1);
    // A judge that refuses the key: no "score: 0", and a non-zero exit.
    fake.addFault({ kind: "401", times: Infinity });
    const failed = await run(process.execPath, [...cli, "reward", "score", "--ground-truth", "New York City", "--response", "<answer>New York</answer>", "--judge-base-url", fake.url, "--judge-model", "fake-model", "--judge-api-key", "sk-WRONG"], { cwd: repoRoot }).then(
      () => null,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.ok(failed, "reward score must fail when the judge fails");
    assert.equal(failed.code, 3);
    assert.match(failed.stdout, /score: none/);
    assert.doesNotMatch(failed.stdout, /score: 0/);
    assert.match(failed.stderr, /judge failed \(auth\)/);
    assert.doesNotMatch(failed.stdout + failed.stderr, /WRONG/);
  } finally {
    await fake.close();
  }

  const child = spawn(process.execPath, [...cli, "reward", "serve", "--port", "0"], { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    const r = await post(`${url}/get_reward`, { query: ["p<answer>Paris</answer>"], prompts: ["p"], labels: ["paris"] });
    assert.deepEqual(r.json.rewards, [1]);
  } finally {
    child.kill("SIGTERM");
  }
});

test("reward serve checks the judge's server at start-up: a refused key, an unknown model, nothing listening stop with one line naming the judge's flags", async () => {
  const keyed = await startFakeOpenAI({ apiKey: "right-key", handlers: { judge_verdict: () => ({ equivalent: true }) } });
  const closedPort = await freePort();
  const serve = (...judge: string[]) => runCli(["reward", "serve", "--port", "0", ...judge]);
  try {
    const cases: [string[], RegExp][] = [
      [["--judge-base-url", keyed.url, "--judge-model", "fake-model", "--judge-api-key", "wrong-key"], /rejected the API key \(HTTP 401 .*\): give the right key with --judge-api-key/],
      [["--judge-base-url", keyed.url, "--judge-model", "no-such-model", "--judge-api-key", "right-key"], /does not serve the model "no-such-model" \(used by judge\); it serves: fake-model: pass --judge-model/],
      [["--judge-base-url", `http://127.0.0.1:${closedPort}/v1`, "--judge-model", "fake-model"], /cannot reach the model server at http:\/\/127\.0\.0\.1:\d+\/v1 .*fix --judge-base-url/],
    ];
    for (const [flags, message] of cases) {
      const r = await serve(...flags);
      assert.notEqual(r.code, 0, r.stderr);
      assert.deepEqual(stackLines(r.stderr), []);
      assert.equal(errorLines(r.stderr).length, 1, r.stderr);
      assert.match(errorLines(r.stderr)[0], message);
      assert.doesNotMatch(r.stderr, /listening|wrong-key/);
    }
    assert.equal(keyed.requests.filter((q) => q.schemaName === "judge_verdict").length, 0, "no judge call was made");
    // --no-server-check skips the check: the server starts (and a call would meet the refusal).
    const unchecked = cliProcess(["reward", "serve", "--port", "0", "--no-server-check", "--judge-base-url", keyed.url, "--judge-model", "fake-model", "--judge-api-key", "wrong-key"]);
    try {
      await waitFor(() => alive(unchecked) && /listening on/.test(unchecked.stderr()), "the unchecked server to listen");
    } finally {
      unchecked.child.kill("SIGTERM");
      await unchecked.exited;
    }
  } finally {
    await keyed.close();
  }
});


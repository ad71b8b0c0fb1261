/**
 * Reward server throughput on loopback: the server runs in a child process (its own core) started
 * through the real CLI (`reward serve --port 0`), and a bounded keep-alive load loop here drives it.
 * Workloads: OpenRLHF /get_reward with one sample per request, and /score batches of 64.
 * Rules only (no judge). Prints JSON.  Usage: tsx bench/reward-server.ts [seconds per workload]
 */
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LatencyWindow } from "../src/reward/latency.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const seconds = Number(process.argv[2] ?? 5);
const concurrency = 32;

const SAMPLES: Array<[string, string, string]> = [
  ["How far is it?", "It is 1,200 km.\n<answer>1200 kilometers</answer>", "1,200 km"],
  ["When?", "Reasoning about dates...\n<answer>5 March 1990</answer>", "March 5, 1990"],
  ["Which city?", "<answer>Lyon</answer>", "Paris"],
  ["How many?", "Let me count: 3 + 9 = 12.\n<answer>12</answer>", "120"],
];

function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "src/cli/main.ts"), "reward", "serve", "--port", "0", "--max-queue", "1024"], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1], stop: () => child.kill("SIGTERM") });
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

function request(agent: http.Agent, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function load(name: string, url: string, bodies: string[], itemsPerRequest: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latency = new LatencyWindow(100_000);
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const worker = async (w: number) => {
    for (let i = w; performance.now() < end; i += concurrency) {
      const t0 = performance.now();
      const status = await request(agent, url, bodies[i % bodies.length]);
      latency.add(performance.now() - t0);
      if (status === 200) done++;
      else errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  return {
    workload: name,
    concurrency,
    seconds: Math.round(secs * 100) / 100,
    requests_per_second: Math.round(done / secs),
    items_per_second: Math.round((done * itemsPerRequest) / secs),
    errors,
    latency: latency.percentiles(),
  };
}

const server = await startServer();
try {
  const single = SAMPLES.map(([q, r, g]) => JSON.stringify({ query: [q + "\n" + r], prompts: [q + "\n"], labels: [g] }));
  const batch = [JSON.stringify({ items: Array.from({ length: 64 }, (_, i) => { const [q, r, g] = SAMPLES[i % SAMPLES.length]; return { question: q, ground_truth: g, response: r }; }) })];
  await load("warmup", `${server.url}/get_reward`, single, 1);
  const results = [await load("get_reward x1", `${server.url}/get_reward`, single, 1), await load("score x64", `${server.url}/score`, batch, 64)];
  console.log(JSON.stringify({ bench: "reward-server", node: process.version, cores: (await import("node:os")).cpus().length, results }, null, 2));
} finally {
  server.stop();
}

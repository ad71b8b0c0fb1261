/**
 * The `webscale-rl` command as a child process (through tsx), for tests that need a real
 * process: real exit codes, real signals, real kill -9. Also the copied-examples corpus
 * those tests share.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, REPO_ROOT } from "./pipeline-harness.js";
import { track } from "./children.js";
import { cliArgv } from "./cli-command.js";

export interface CliProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
  stdout(): string;
}

export function cli(args: string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  // `run` caches model replies in the user's cache folder by default; a test that counts
  // requests at the fake server must not find replies an earlier test left there. Tests of
  // the cache pass --cache DIR (a flag beats the environment).
  env = { WEBSCALE_RL_CACHE: "off", ...env };
  const child = spawn(process.execPath, cliArgv(args), { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let stderr = "";
  let stdout = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.on("data", (d) => (stdout += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

/** Runs the command to its end and requires exit 0. */
export async function ok(args: string[], env?: NodeJS.ProcessEnv): Promise<{ stderr: string; stdout: string }> {
  const r = cli(args, env);
  const code = await r.exited;
  assert.equal(code, 0, `${args.slice(0, 2).join(" ")}: ${r.stderr()}`);
  return { stderr: r.stderr(), stdout: r.stdout() };
}

/**
 * The examples copied `copies` times, each copy with its own ids and numbers (so its own
 * pairs), and one malformed line at `brokenAt`.
 */
export function copiedCorpus(path: string, copies: number, brokenAt: number, idSuffix = ""): void {
  const docs = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const lines: string[] = [];
  for (let c = 0; c < copies; c++) for (const d of docs) lines.push(JSON.stringify({ id: `${d.id}-${idSuffix}${c}`, text: d.text.replace(/\b(\d+)\b/g, (m: string) => String(Number(m) + c)) }));
  lines.splice(brokenAt, 0, "{not json");
  writeFileSync(path, lines.join("\n") + "\n");
}

/** Units a writer has recorded as finished (its ledger, state/finished-<tag>.txt). */
export function finishedUnits(out: string, tag: string): number {
  const f = join(out, "state", `finished-${tag}.txt`);
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
}

/**
 * Polls `cond` every 25 ms until it holds; fails with `what` after `limitMs` (default 10 min:
 * a hang guard only, the test's own timeout being the real bound; a slow machine is no failure).
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, limitMs = 600_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the command to its end, whatever its exit code. */
export async function run(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const r = cli(args, env);
  const code = await r.exited;
  return { code, stderr: r.stderr(), stdout: r.stdout() };
}

/** For until(): true while the process runs; once it has exited, fails with its output. */
export function alive(p: CliProcess): true {
  if (p.child.exitCode !== null || p.child.signalCode !== null) assert.fail(`the process exited (${p.child.exitCode ?? p.child.signalCode}) first: ${p.stderr()}`);
  return true;
}

export function readJson<T = any>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
}

/** Lines of stderr that look like a stack trace: a failure must be one line, never one of these. */
export function stackLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^\s+at\s/.test(l) || /^(Type|Reference)Error\b/.test(l) || /node:internal/.test(l));
}

/** The lines a command printed as its error (`webscale-rl: …`). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("webscale-rl: "));
}

/**
 * Review data without a browser: the decisions log (append-only, last per id and reviewer
 * wins, retractions, torn lines), the stratified sample, evidence ranges, Wilson
 * intervals, and `review --summary` and the server through the real CLI on a planted sample.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendDecision, decisionsPath, effective, readDecisions, type ReviewDecision } from "../src/review/decisions.js";
import { evidenceRanges, loadReviewItems } from "../src/review/items.js";
import { wilson, type ReviewSummary } from "../src/review/summary.js";
import { buildReport } from "../src/report/build.js";
import { startReviewServer } from "../src/review/server.js";
import { loadDemoLibrary } from "../src/prompts/demos.js";
import { makeSyntheticRun } from "./support/synthetic-run.js";
import { makeReviewRun } from "./support/review-fixture.js";
import { cli, ok, until } from "./support/cli.js";

function tmp(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "wsrl-review-data-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

test("decisions: appended, last per id and reviewer wins, retract withdraws, a torn line is skipped", (t) => {
  const dir = tmp(t);
  const d = (id: string, decision: ReviewDecision["decision"], reviewer: string, i: number, extra: Partial<ReviewDecision> = {}): ReviewDecision => ({ id, decision, reviewer, at: at(i), ...extra });
  appendDecision(dir, d("p1", "accept", "ana", 1));
  appendDecision(dir, d("p1", "reject", "ana", 2, { reason: "ambiguous" }));
  appendDecision(dir, d("p2", "accept", "ana", 3));
  appendDecision(dir, d("p2", "retract", "ana", 4));
  appendDecision(dir, d("p3", "edit", "ana", 5, { answer: "12 km" }));
  appendDecision(dir, d("p3", "accept", "bo", 6));
  const before = readFileSync(decisionsPath(dir), "utf8");
  assert.equal(before.split("\n").filter(Boolean).length, 6, "every decision is a line; nothing rewritten");
  appendFileSync(decisionsPath(dir), '{"id":"p4","decis'); // a crash mid-append
  const log = readDecisions(dir);
  assert.equal(log.bad.length, 1);
  assert.match(log.bad[0], /decisions\.jsonl:7: not valid JSON/);
  assert.equal(effective(log, "p1")?.decision, "reject");
  assert.equal(effective(log, "p1")?.reason, "ambiguous");
  assert.equal(effective(log, "p2"), undefined, "retracted: not reviewed");
  assert.deepEqual([...log.byId.get("p3")!.keys()], ["ana", "bo"]);
  assert.equal(effective(log, "p3")?.reviewer, "bo", "the later reviewer's decision applies");
  assert.throws(() => appendDecision(dir, { id: "", decision: "accept", reviewer: "x", at: at(1) }));
});

test("--sample: seeded, stratified by domain in proportion, bounded, all when larger than the set", async (t) => {
  const dir = tmp(t);
  const info = makeSyntheticRun(dir, { pairs: 1000, seed: 3 });
  const a = await loadReviewItems(dir, { sample: 100, seed: 1, rejected: 0, passages: false });
  const b = await loadReviewItems(dir, { sample: 100, seed: 1, rejected: 0, passages: false });
  const c = await loadReviewItems(dir, { sample: 100, seed: 2, rejected: 0, passages: false });
  assert.equal(a.items.length, 100);
  assert.equal(a.keptTotal, 1000);
  assert.deepEqual(a.items.map((i) => i.id), b.items.map((i) => i.id), "same seed, same sample");
  assert.notDeepEqual(a.items.map((i) => i.id), c.items.map((i) => i.id), "another seed, another sample");
  assert.equal(new Set(a.items.map((i) => i.id)).size, 100);
  const got: Record<string, number> = {};
  for (const it of a.items) got[it.domain] = (got[it.domain] ?? 0) + 1;
  for (const [domain, n] of Object.entries(info.domains)) {
    assert.ok(Math.abs((got[domain] ?? 0) - (100 * n) / 1000) < 1, `${domain}: ${got[domain]} drawn for ${n} of 1000`);
  }
  const all = await loadReviewItems(dir, { sample: 5000, rejected: 0, passages: false });
  assert.equal(all.items.length, 1000);
});

test("evidence: answer and aliases, whole numbers only, overlaps merged", () => {
  const p = "In 2012 the bridge was 12 km long; 12 kilometres in all.";
  assert.deepEqual(evidenceRanges(p, ["12", "12 kilometres"]).map(([s, e]) => p.slice(s, e)), ["12", "12 kilometres"]);
  assert.deepEqual(evidenceRanges("the cat sat", ["a"]), [], "one letter is no evidence");
});

test("Wilson intervals match published values", () => {
  const r = (x: { low: number; high: number }) => [Number(x.low.toFixed(4)), Number(x.high.toFixed(4))];
  assert.deepEqual(r(wilson(0, 10)), [0, 0.2775]);
  assert.deepEqual(r(wilson(5, 10)), [0.2366, 0.7634]);
  assert.deepEqual(r(wilson(10, 10)), [0.7225, 1]);
});

test("review --summary on a planted sample, and the server through the CLI", { timeout: 120_000 }, async (t) => {
  const dir = tmp(t);
  const { pairs, rejections } = makeReviewRun(dir, 12, 3);
  const items = await loadReviewItems(dir, { passages: false });
  const rejIds = items.items.filter((i) => i.status === "rejected").map((i) => i.id);
  assert.equal(rejIds.length, 3);
  // 10 kept pairs reviewed: 7 accepted, 1 edited, 2 rejected; one of them first accepted by
  // ana and overruled by bo. 3 rejected pairs: 1 overturned, 2 confirmed.
  const plan: Array<[number, ReviewDecision["decision"], string?]> = [
    [0, "accept"], [1, "accept"], [2, "accept"], [3, "accept"], [4, "accept"], [5, "accept"], [6, "accept"],
    [7, "edit"], [8, "reject", "wrong_answer"], [9, "reject", "not_answerable"],
  ];
  let i = 0;
  for (const [k, decision, reason] of plan) {
    appendDecision(dir, { id: pairs[k].id, decision, reason, answer: decision === "edit" ? "ten" : undefined, reviewer: "ana", at: at(i++) });
  }
  appendDecision(dir, { id: pairs[9].id, decision: "accept", reviewer: "ana", at: at(0) }); // ana changes her mind…
  appendDecision(dir, { id: pairs[9].id, decision: "reject", reason: "not_answerable", reviewer: "bo", at: at(i++) }); // …bo overrules
  appendDecision(dir, { id: rejIds[0], decision: "accept", reviewer: "ana", at: at(i++) });
  appendDecision(dir, { id: rejIds[1], decision: "reject", reason: "not_grounded", reviewer: "ana", at: at(i++) });
  appendDecision(dir, { id: rejIds[2], decision: "reject", reason: "not_grounded", reviewer: "ana", at: at(i++) });
  appendDecision(dir, { id: "gone-pair", decision: "accept", reviewer: "ana", at: at(i++) });
  void rejections;

  const s = JSON.parse((await ok(["review", dir, "--summary", "--json"])).stdout) as ReviewSummary;
  assert.deepEqual(s.reviewers, ["ana", "bo"]);
  assert.equal(s.orphaned, 1);
  assert.deepEqual([s.kept.n, s.kept.accepted, s.kept.edited, s.kept.rejected], [10, 7, 1, 2]);
  assert.equal(s.kept.share, 0.7);
  const w = wilson(7, 10);
  assert.deepEqual([s.kept.low, s.kept.high], [w.low, w.high]);
  assert.deepEqual([Number(s.kept.low!.toFixed(4)), Number(s.kept.high!.toFixed(4))], [0.3968, 0.8922]);
  // Domains of pairs 0..9 by the fixture's 1:2:3 pattern: Math 0,6; Natural Science 1,2,7,8; Travel 3,4,5,9.
  assert.deepEqual(Object.fromEntries(Object.entries(s.kept.by_domain).map(([k, v]) => [k, [v.n, v.accepted]])), {
    Math: [2, 2], "Natural Science": [4, 2], "Travel & Lifestyle": [4, 3],
  });
  assert.deepEqual(Object.keys(s.kept.by_answer_type), ["number"]);
  assert.deepEqual([s.rejected.n, s.rejected.accepted, s.rejected.share], [3, 1, 1 / 3]);
  assert.deepEqual(s.reasons, { kept: { wrong_answer: 1, not_answerable: 1 }, rejected: { not_grounded: 2 } });

  const text = (await ok(["review", dir, "--summary"])).stdout;
  assert.match(text, /humans accept 70\.0 % as they are \(the verifier's precision\), 95 % interval \[39\.7 %, 89\.2 %\], n = 10/);
  assert.match(text, /humans accept 33\.3 % \(its false-rejection rate\)/);
  assert.match(text, /on kept pairs: not_answerable 1, wrong_answer 1; on rejected pairs: not_grounded 2/);

  // Errors: one line saying what to do.
  const missing = cli(["review", join(dir, "nope")]);
  assert.equal(await missing.exited, 2);
  assert.match(missing.stderr(), /^webscale-rl: review: .*nope is not a directory; give the --out directory of `webscale-rl run`/);
  assert.equal(missing.stderr().trim().split("\n").length, 1);
  const badSample = cli(["review", dir, "--sample", "0"]);
  assert.equal(await badSample.exited, 2);
  assert.match(badSample.stderr(), /--sample must be a whole number of at least 1/);

  // The server: starts, prints its URL, serves the page with its CSP, stops on Ctrl-C.
  const srv = cli(["review", dir, "--port", "0", "--sample", "6", "--rejected", "--reviewer", "cy"]);
  await until(() => /open (http:\S+)/.test(srv.stdout()), "the URL");
  const url = srv.stdout().match(/open (http:\S+)/)![1];
  assert.match(srv.stdout(), /a sample of 6 of 13 kept pairs \(stratified by domain, seed 42\) and 3 of 3 rejected pairs, as cy/);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-security-policy") ?? "", /connect-src 'self'/);
  assert.equal((await fetch(new URL("/api/items", url))).status, 403);
  srv.child.kill("SIGINT");
  assert.equal(await srv.exited, 0);
  assert.match(srv.stdout(), /review: stopped/);
});

test("the report's Human review section: the summary's numbers, escaped", { timeout: 120_000 }, async (t) => {
  const dir = tmp(t);
  const { pairs } = makeReviewRun(dir, 6, 0);
  const evil = `<img src=x onerror="window.__pwned=1">`;
  appendDecision(dir, { id: pairs[0].id, decision: "accept", reviewer: "ana", at: at(1) });
  appendDecision(dir, { id: pairs[1].id, decision: "accept", reviewer: "ana", at: at(2) });
  appendDecision(dir, { id: pairs[2].id, decision: "reject", reason: evil, reviewer: evil, at: at(3) }); // a hand-edited line
  const out = join(dir, "report.html");
  await buildReport({ runDir: dir, out, maxMapPoints: 50 });
  const page = readFileSync(out, "utf8");
  const section = page.slice(page.indexOf('<section id="review">'), page.indexOf('<section id="samples">'));
  assert.ok(section.length > 0, "the section is there, before the sample browser");
  assert.match(section, /Kept pairs people accept as they are, the verifier's precision: <b>66\.7%<\/b> \(95% Wilson interval 20\.8% – 93\.9%, n = 3\)/);
  assert.ok(!section.includes("<img"), "hostile reviewer names and reasons are escaped");
  assert.ok(section.includes("&lt;img src=x onerror="));
  assert.match(page, /<a href="#review">Human review<\/a>/);

  const plain = join(dir, "plain");
  makeReviewRun(plain, 3, 0);
  await buildReport({ runDir: plain, out: join(dir, "plain.html"), maxMapPoints: 50 });
  assert.ok(!readFileSync(join(dir, "plain.html"), "utf8").includes('id="review"'), "no decisions, no section");
});

test("promote to demos: only accepted pairs, material cut around the evidence, read back by the demo loader", { timeout: 60_000 }, async (t) => {
  const dir = tmp(t);
  const { pairs } = makeReviewRun(dir, 4, 0);
  const demosOut = join(dir, "demos");
  const loaded = await loadReviewItems(dir, { rejected: 0 });
  const srv = await startReviewServer({ dir, loaded, reviewer: "ana", sessionToken: "tok", demosOut });
  t.after(() => srv.close());
  const promote = async (id: string) => {
    const r = await fetch(new URL("/api/promote", srv.url), { method: "POST", headers: { "x-review-token": "tok", "content-type": "application/json" }, body: JSON.stringify({ id }) });
    return { status: r.status, body: (await r.json()) as { file?: string; error?: string } };
  };
  const first = await promote(pairs[1].id);
  assert.equal(first.status, 409);
  assert.match(first.body.error!, /accept it first/);
  appendDecision(dir, { id: pairs[1].id, decision: "accept", reviewer: "ana", at: at(1) });
  const ok1 = await promote(pairs[1].id);
  assert.equal(ok1.status, 200);
  assert.equal(ok1.body.file, join(demosOut, "natural-science.jsonl"));
  assert.match((await promote(pairs[1].id)).body.error!, /already in/);
  const { library } = loadDemoLibrary(["Natural Science"], demosOut);
  const demos = library.get("Natural Science")!;
  assert.equal(demos.length, 1);
  assert.deepEqual(
    { ...demos[0] },
    {
      domain: "Natural Science",
      material: "Timetable for Ardmore1. On weekdays there are 4 crossings; the first leaves early.",
      persona: "commuter, wants the timetable",
      question: pairs[1].question,
      answer: "4",
      answer_type: "number",
      aliases: ["4 crossings"],
    },
  );
  const long = "Filler sentence with several words in it. ".repeat(40) + "The bridge is 812 metres long. " + "More filler text follows here. ".repeat(40);
  const { supportingMaterial } = await import("../src/review/promote.js");
  const m = supportingMaterial(long, evidenceRanges(long, ["812 metres"]))!;
  assert.ok(m.includes("The bridge is 812 metres long."));
  assert.ok(m.split(/\s+/).length <= 120, `${m.split(/\s+/).length} words`);
});

/**
 * `review` in real headless Chromium against the real server on a real run directory:
 * decisions by keyboard and by mouse land in review/decisions.jsonl, undo appends a line,
 * filters and progress follow, hostile text never runs, the page loads nothing from
 * elsewhere. Then the server's guards over plain HTTP. Saves test-artifacts/review.png.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { request } from "node:http";
import { decisionsPath, type ReviewDecision } from "../src/review/decisions.js";
import { loadReviewItems } from "../src/review/items.js";
import { startReviewServer } from "../src/review/server.js";
import { HOSTILE_ID, makeReviewRun } from "./support/review-fixture.js";
import { SCRIPT_PAYLOAD, IMG_PAYLOAD } from "./support/report-fixture.js";
import { until } from "./support/cli.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "../test-artifacts");

function lines(dir: string): ReviewDecision[] {
  const p = decisionsPath(dir);
  return existsSync(p) ? readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
}

function http(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => ok({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

test("review by keyboard and mouse in headless Chromium, safely", { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not installed: run scripts/install-test-deps.sh (Debian package chromium)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "wsrl-review-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeReviewRun(dir, 12, 3);
  const loaded = await loadReviewItems(dir, {});
  assert.equal(loaded.items.length, 16, "12 kept + hostile + 3 rejected pairs (the document rejection is not a pair)");
  const srv = await startReviewServer({ dir, loaded, reviewer: "ana", sessionToken: "test-token" });
  t.after(() => srv.close());

  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(srv.url);
  await page.waitForSelector("body[data-ready]");
  const text = async (sel: string) => (await page.locator(sel).textContent()) ?? "";
  const cardId = () => page.locator("#card").getAttribute("data-id");

  assert.equal(await text("#progress"), "0 / 16 reviewed");
  assert.equal(await text("#position"), "pair 1 of 16");
  assert.equal(await cardId(), "pair-000");
  assert.equal(await text("#answer"), "3");
  assert.equal(await text("#aliases"), "3 crossings");
  assert.equal(await text("#domain"), "Math");
  assert.match(await text("#verdicts"), /grounded yes/);
  // The evidence is highlighted: the answer and its alias in the document.
  assert.deepEqual(await page.locator("#passage mark").allTextContents(), ["3 crossings"]);

  // a = accept: the line is written before the page moves on.
  await page.keyboard.press("a");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 2 of 16");
  assert.deepEqual(lines(dir).map((d) => [d.id, d.decision, d.reviewer]), [["pair-000", "accept", "ana"]]);
  assert.equal(await text("#progress"), "1 / 16 reviewed");

  // r then 2 = reject as not answerable.
  assert.equal(await cardId(), "pair-001");
  await page.keyboard.press("r");
  await page.locator("#reasons").waitFor();
  await page.keyboard.press("2");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 3 of 16");
  assert.deepEqual(lines(dir)[1], { id: "pair-001", decision: "reject", reason: "not_answerable", reviewer: "ana", at: lines(dir)[1].at });

  // e = edit the answer; Ctrl+Enter saves only what changed.
  await page.keyboard.press("e");
  await page.locator("#edit-a").waitFor();
  await page.fill("#edit-a", "5 crossings each way");
  await page.keyboard.press("Control+Enter");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 4 of 16");
  const edit = lines(dir)[2];
  assert.equal(edit.decision, "edit");
  assert.equal(edit.answer, "5 crossings each way");
  assert.equal(edit.question, undefined);

  // u = undo the edit: a retraction is appended, nothing rewritten; the page goes back to it.
  await page.keyboard.press("u");
  await until(() => lines(dir).length === 4, "the undo line");
  assert.deepEqual([lines(dir)[3].id, lines(dir)[3].decision], ["pair-002", "retract"]);
  await page.waitForFunction(() => document.querySelector("#decision")?.textContent === "not reviewed");
  assert.equal(await cardId(), "pair-002");
  assert.equal(await text("#answer"), "5");
  assert.equal(await text("#progress"), "2 / 16 reviewed");

  // s = skip: moves on, writes nothing. p = back.
  await page.keyboard.press("s");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 4 of 16");
  await page.keyboard.press("p");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 3 of 16");
  assert.equal(lines(dir).length, 4);

  // Mouse path: reject with a reason button.
  await page.click("#b-reject");
  await page.click('#reason-list button[data-reason="wrong_answer"]');
  await until(() => lines(dir).length === 5, "the mouse rejection");
  assert.deepEqual([lines(dir)[4].id, lines(dir)[4].reason], ["pair-002", "wrong_answer"]);

  // Filters: the rejected pairs, then one rejection reason, then a domain.
  await page.selectOption("#f-status", "rejected");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 1 of 3");
  assert.match(await text("#status"), /^rejected by the pipeline: answerable\.not_answerable/);
  await page.selectOption("#f-status", "r:check.not_grounded");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 1 of 1");
  await page.keyboard.press("a"); // overturn the verifier
  await until(() => lines(dir).length === 6, "the overturn");
  assert.equal(lines(dir)[5].decision, "accept");
  assert.match(lines(dir)[5].id, /^r:/);
  await page.selectOption("#f-status", "");
  await page.selectOption("#f-domain", "Natural Science");
  // The pair in view still matches, so it stays in view: the last of the domain's six.
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 6 of 6");

  // "Only pairs I have not reviewed" hides the decided ones.
  await page.selectOption("#f-domain", "");
  await page.check("#f-todo");
  await page.waitForFunction(() => document.querySelector("#position")?.textContent === "pair 1 of 12");

  // The hostile pair: shown as text everywhere, nothing ran, nothing was built from it.
  await page.uncheck("#f-todo");
  await page.selectOption("#f-type", "short_phrase");
  await page.waitForFunction((id) => document.querySelector("#card")?.getAttribute("data-id") === id, HOSTILE_ID);
  assert.ok((await text("#question")).includes(SCRIPT_PAYLOAD));
  assert.ok((await text("#answer")).includes(IMG_PAYLOAD));
  assert.ok((await text("#persona")).includes(IMG_PAYLOAD));
  assert.ok((await text("#passage")).includes(`The Zorblax comet ${SCRIPT_PAYLOAD}`));
  // The answer (payload and all) stands in the document: highlighted, as text.
  assert.deepEqual(await page.locator("#passage mark").allTextContents(), [`76 years ${IMG_PAYLOAD}`]);
  await page.keyboard.press("?");
  await page.locator("#help").waitFor();
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "review.png"), fullPage: true });
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.locator("img").count(), 0);
  assert.equal(await page.locator("script").count(), 2);
  const origin = new URL(srv.url).origin;
  assert.deepEqual(requests.filter((r) => !r.startsWith(origin + "/")), [], "no request leaves the server");
  assert.deepEqual(errors, []);

  // A reload shows this reviewer's decisions from the file.
  await page.reload();
  await page.waitForSelector("body[data-ready]");
  assert.equal(await text("#progress"), "4 / 16 reviewed");
});

test("the server's guards: session token, Host header, access key off loopback", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wsrl-review-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeReviewRun(dir, 4, 0);
  const loaded = await loadReviewItems(dir, { rejected: 0 });
  const srv = await startReviewServer({ dir, loaded, reviewer: "bo", sessionToken: "tok" });
  t.after(() => srv.close());
  const host = { host: `127.0.0.1:${srv.port}` };
  const post = (headers: Record<string, string>, body: unknown) => http(srv.port, "POST", "/api/decision", { ...host, "content-type": "application/json", ...headers }, JSON.stringify(body));

  const page = await http(srv.port, "GET", "/", host);
  assert.equal(page.status, 200);
  assert.match(String(page.headers["content-security-policy"]), /default-src 'none'; script-src 'sha256-[^']+'/);
  assert.equal((await http(srv.port, "GET", "/", { host: `evil.example:${srv.port}` })).status, 421, "DNS rebinding: foreign Host refused");
  assert.equal((await http(srv.port, "GET", "/api/items", host)).status, 403, "reads need the token");
  assert.equal((await post({}, { id: "pair-000", decision: "accept" })).status, 403, "writes need the token");
  assert.equal((await post({ "x-review-token": "wrong" }, { id: "pair-000", decision: "accept" })).status, 403);
  assert.equal((await post({ "x-review-token": "tok" }, { id: "nope", decision: "accept" })).status, 404, "only pairs under review");
  assert.equal((await post({ "x-review-token": "tok" }, { id: "pair-000", decision: "reject", reason: "because" })).status, 400, "reasons from the list");
  assert.equal((await post({ "x-review-token": "tok" }, { id: "pair-000", decision: "edit" })).status, 400, "an edit changes something");
  assert.equal(lines(dir).length, 0, "nothing refused was written");
  const okRes = await post({ "x-review-token": "tok" }, { id: "pair-000", decision: "accept" });
  assert.equal(okRes.status, 200);
  assert.deepEqual(lines(dir).map((d) => [d.id, d.decision, d.reviewer]), [["pair-000", "accept", "bo"]]);

  // Bound to every address: the page needs the access key printed in the URL.
  const open = await startReviewServer({ dir, loaded, reviewer: "bo", host: "0.0.0.0", accessKey: "k3y" });
  t.after(() => open.close());
  assert.match(open.url, /\?key=k3y$/);
  assert.equal((await http(open.port, "GET", "/", { host: `box:${open.port}` })).status, 403);
  assert.equal((await http(open.port, "GET", "/?key=nope", { host: `box:${open.port}` })).status, 403);
  assert.equal((await http(open.port, "GET", "/?key=k3y", { host: `box:${open.port}` })).status, 200);
});

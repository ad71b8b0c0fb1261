/**
 * The report in real headless Chromium: opens from file:// with no network and no console
 * errors, planted script/img payloads never run and show as text, the charts are there,
 * search, filters, paging and source-on-demand work. Saves test-artifacts/report.png.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildReport } from "../src/report/build.js";
import { addRollouts, IMG_PAYLOAD, makeReportRun, ROLLOUT_MODELS, SCRIPT_PAYLOAD } from "./support/report-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "../test-artifacts");

test("report opens in headless Chromium, safely and usable", { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not installed: run scripts/install-test-deps.sh (Debian package chromium)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "wsrl-report-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeReportRun(join(dir, "run"), 300);
  const measured = addRollouts(join(dir, "run"));
  const out = join(dir, "report.html");
  const summary = await buildReport({ runDir: join(dir, "run"), out, maxMapPoints: 400 });
  assert.equal(summary.accepted, 301);

  const html = readFileSync(out, "utf8");
  assert.ok(!/\b(src|href)\s*=\s*"(https?:)?\/\//i.test(html), "no external URLs in src/href");
  assert.equal((html.match(/<script/g) ?? []).length, 2, "only the data block and the browser script");

  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  const url = pathToFileURL(out).href;
  await page.goto(url, { waitUntil: "load" });

  // Charts: SVG in every chart section.
  for (const id of ["funnel", "domains", "personas", "answers", "difficulty", "cost", "diversity"]) {
    const n = await page.locator(`#${id} svg`).count();
    assert.ok(n >= 1, `section ${id} has ${n} charts`);
  }

  // Difficulty: a pass-rate histogram per model, the per-domain and per-type histograms, the band's share.
  const difficulty = page.locator("#difficulty");
  assert.equal(await difficulty.locator(".chart svg").count(), 4, "two models, domains, answer types");
  assert.ok(await page.locator('nav a[href="#difficulty"]').count(), "in the navigation");
  const text = (await difficulty.textContent()) ?? "";
  assert.ok(text.includes(`${measured} of 301 accepted pairs have pass rates`), text.slice(0, 200));
  assert.ok(text.includes("0.1–0.9, both ends included (the default"));
  assert.ok(text.includes(ROLLOUT_MODELS[1]!), "the model name shown as text");
  const modelRow = difficulty.locator("table").first().locator("tbody tr", { hasText: ROLLOUT_MODELS[0]! });
  assert.equal(await modelRow.locator("td").nth(1).textContent(), String(measured));
  // The histogram's bars carry their bin and count in their tooltips (vega's aria labels).
  const bars = await difficulty.locator(".chart").first().locator("path[aria-label]").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
  assert.ok(bars.some((l) => /pass rate: 0; .*outside the band/.test(l)), bars.slice(0, 3).join(" | "));
  assert.ok(bars.some((l) => /in band/.test(l)));
  assert.ok((await page.locator("#diversity svg path").count()) > 300, "map has its points");

  // Table: paged to 100 rows.
  const rows = page.locator("#rows > tr");
  assert.equal(await rows.count(), 100);
  const total = summary.tableRows;
  assert.equal(await page.locator("#match-count").textContent(), `${total} of ${total} rows match`);
  const firstBefore = await rows.first().textContent();
  await page.click("#next");
  assert.match((await page.locator("#page-info").textContent()) ?? "", /^page 2 of \d+$/);
  assert.notEqual(await rows.first().textContent(), firstBefore);

  // Search filters: the hostile accepted pair and the hostile rejected pair mention Zorblax.
  await page.fill("#search", "zorblax");
  await page.waitForFunction(() => document.querySelector("#match-count")?.textContent?.startsWith("2 of"));
  assert.equal(await rows.count(), 2);
  await page.selectOption("#f-status", "r:check.not_grounded");
  await page.waitForFunction(() => document.querySelector("#match-count")?.textContent?.startsWith("1 of"));
  await page.selectOption("#f-status", "");
  await page.waitForFunction(() => document.querySelector("#match-count")?.textContent?.startsWith("2 of"));

  // Payloads are visible as text, in the table and in the source passage on demand.
  const accepted = rows.filter({ hasText: "accepted" });
  assert.ok(((await accepted.textContent()) ?? "").includes(SCRIPT_PAYLOAD), "answer payload shown as text");
  await accepted.locator("summary").click();
  const passage = accepted.locator("pre.passage");
  await passage.waitFor();
  assert.ok(((await passage.textContent()) ?? "").includes("Zorblax comet " + SCRIPT_PAYLOAD), "document payload shown as text");
  const rejected = rows.filter({ hasText: "rejected: check.not_grounded" });
  await rejected.locator("summary").click();
  assert.ok(((await rejected.locator("pre.detail").textContent()) ?? "").includes("onerror"));

  // Nothing ran, nothing loaded, no element was created from data.
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.locator("img").count(), 0);
  assert.equal(await page.locator("script").count(), 2);
  assert.deepEqual(requests.filter((r) => r !== url), [], "no requests besides the file itself");
  assert.deepEqual(consoleErrors, []);

  // Backstop: even markup planted raw into the page (a missed escape) is stopped by the CSP.
  const planted = join(dir, "planted.html");
  writeFileSync(planted, html.replace("<main>", `<main>${SCRIPT_PAYLOAD}${IMG_PAYLOAD}`));
  const page2 = await browser.newPage();
  const blocked: string[] = [];
  page2.on("console", (m) => {
    if (m.type() === "error") blocked.push(m.text());
  });
  await page2.goto(pathToFileURL(planted).href, { waitUntil: "load" });
  assert.equal(await page2.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.ok(blocked.some((m) => /Content Security Policy/i.test(m)), "the CSP reported the blocked script");
  assert.equal(await page2.locator("#rows > tr").count(), 100, "the page's own script still runs");

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.fill("#search", "");
  await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
});

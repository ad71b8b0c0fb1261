/**
 * The review page: one static HTML shell (no data in it but the session token), its styles
 * and its one script. Pairs arrive from /api/items and are written with textContent, so the
 * shell is the same for every run and the CSP can pin the script by its hash.
 */
import { escapeHtml, jsonForScript } from "../report/escape.js";
import { scriptHash } from "../report/page.js";
import { REVIEW_SCRIPT } from "./page-script.js";

/** Sent as an HTTP header with every response: no external request, no inline script but ours. */
export const REVIEW_CSP = [
  "default-src 'none'",
  `script-src '${scriptHash(REVIEW_SCRIPT)}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2329;background:#f4f6f8}
header{background:#1f3a5f;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
header h1{margin:0;font-size:18px}
#progress{font-weight:600}
.filters{display:flex;gap:10px;flex-wrap:wrap;padding:8px 24px;background:#e8edf2;align-items:center;font-size:13px}
main{max-width:1100px;padding:12px 24px}
#card{background:#fff;border:1px solid #dde3e9;border-radius:8px;padding:14px 20px}
.top{display:flex;justify-content:space-between;font-size:13px;color:#56616b}
.ok{color:#17723b}.bad{color:#a32020}
#decision.decided{font-weight:600}
#decision.accept{color:#17723b}#decision.reject{color:#a32020}#decision.edit{color:#8a5a00}
.q{font-size:19px;margin:10px 0 4px}
.a{font-size:18px;font-weight:600;background:#eef6ee;display:inline-block;padding:2px 10px;border-radius:4px}
dl{display:grid;grid-template-columns:110px 1fr;gap:2px 12px;font-size:13.5px;margin:10px 0}
dt{color:#56616b}dd{margin:0}
#passage{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:10px;max-height:340px;overflow:auto;font-size:13.5px;border-radius:4px}
mark{background:#ffe27a;padding:0 1px}
.actions{display:flex;gap:8px;flex-wrap:wrap;margin:12px 0}
button{font:inherit;padding:4px 12px;border:1px solid #b8c2cc;border-radius:4px;background:#fff;cursor:pointer}
kbd{font:12px monospace;border:1px solid #b8c2cc;border-radius:3px;padding:0 4px;background:#f6f8fa}
.panel{border:1px solid #dde3e9;background:#fffbea;border-radius:6px;padding:8px 12px;margin:8px 0}
textarea{width:100%;font:inherit;box-sizing:border-box}
#flash{min-height:1.5em;font-size:13px;color:#17723b}#flash.bad{color:#a32020}
.loc{font-size:12px;color:#56616b}
`;

const HELP = `<div id="help" class="panel" hidden><b>Keys</b>: <kbd>a</kbd> accept · <kbd>r</kbd> reject, then <kbd>1</kbd>–<kbd>6</kbd> for the reason ·
<kbd>e</kbd> edit question/answer, <kbd>Ctrl</kbd>+<kbd>Enter</kbd> save, <kbd>Esc</kbd> cancel · <kbd>s</kbd>/<kbd>n</kbd>/<kbd>→</kbd> skip to the next ·
<kbd>p</kbd>/<kbd>←</kbd> previous · <kbd>u</kbd> undo the last decision · <kbd>d</kbd> promote an accepted pair to the demos (with --demos-out) · <kbd>?</kbd> this help</div>`;

export function renderReviewPage(opts: { token: string; title: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(opts.title)}</title>
<style>${STYLE}</style>
</head><body>
<header><h1>${escapeHtml(opts.title)}</h1><span id="progress">loading…</span><span>reviewer: <b id="reviewer"></b></span><span id="source-info"></span></header>
<div class="filters">
<label>domain <select id="f-domain"><option value="">all</option></select></label>
<label>answer type <select id="f-type"><option value="">all</option></select></label>
<label>status <select id="f-status"><option value="">all</option><option value="kept">kept by the verifier</option><option value="rejected">rejected by the pipeline</option><option value="h:none">not reviewed by me</option><option value="h:accept">I accepted</option><option value="h:reject">I rejected</option><option value="h:edit">I edited</option></select></label>
<label>pass rate <select id="f-band"><option value="">all</option><option value="unknown">unknown</option><option value="0">0 (never solved)</option><option value="low">below 50 %</option><option value="high">50 % to under 100 %</option><option value="1">100 % (always solved)</option></select></label>
<label><input type="checkbox" id="f-todo"> only pairs I have not reviewed</label>
</div>
<main>
<div id="flash" role="status"></div>
${HELP}
<p id="empty" hidden>No pair matches the filters.</p>
<div id="card" hidden>
<div class="top"><span id="position"></span><span id="status"></span><span id="decision"></span></div>
<div class="q" id="question"></div>
<div class="a" id="answer"></div>
<dl>
<dt>aliases</dt><dd id="aliases"></dd>
<dt>answer type</dt><dd id="type"></dd>
<dt>domain</dt><dd id="domain"></dd>
<dt>persona</dt><dd id="persona"></dd>
<dt>verdicts</dt><dd id="verdicts"></dd>
<dt>pass rate</dt><dd id="passrate"></dd>
</dl>
<div class="actions">
<button type="button" id="b-accept"><kbd>a</kbd> accept</button>
<button type="button" id="b-reject"><kbd>r</kbd> reject…</button>
<button type="button" id="b-edit"><kbd>e</kbd> edit…</button>
<button type="button" id="b-prev"><kbd>p</kbd> previous</button>
<button type="button" id="b-next"><kbd>s</kbd> skip / next</button>
<button type="button" id="b-undo"><kbd>u</kbd> undo</button>
<button type="button" id="b-demo" hidden><kbd>d</kbd> promote to demos</button>
</div>
<div id="reasons" class="panel" hidden>Reject because (press a number, <kbd>Esc</kbd> to cancel): <span id="reason-list"></span></div>
<div id="edit" class="panel" hidden>
<label>question<textarea id="edit-q" rows="3"></textarea></label>
<label>answer<textarea id="edit-a" rows="1"></textarea></label>
<button type="button" id="b-save">save (<kbd>Ctrl</kbd>+<kbd>Enter</kbd>)</button> <button type="button" id="b-cancel">cancel (<kbd>Esc</kbd>)</button>
</div>
<h3>Source passage <span class="loc" id="location"></span></h3>
<div id="passage"></div>
</div>
<p class="loc">Press <kbd>?</kbd> for the keys.</p>
</main>
<script type="application/json" id="review-config">${jsonForScript({ token: opts.token })}</script>
<script>${REVIEW_SCRIPT}</script>
</body></html>
`;
}

/**
 * The review page's only script. A plain string, not compiled code, so that what the
 * browser runs is exactly what the Content-Security-Policy's hash allows. Data from the run
 * (untrusted web text) only ever reaches the DOM through textContent and value.
 */
export const REVIEW_SCRIPT = `(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("review-config").textContent);
  function $(id) { return document.getElementById(id); }
  var items = [], mine = {}, reasons = [], history = [], view = [], cursor = 0, mode = "view", busy = false, demos = false;

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: { "x-review-token": cfg.token, "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
        return j;
      });
    });
  }

  function flash(text, bad) {
    var f = $("flash");
    f.textContent = text;
    f.className = bad ? "bad" : "";
  }

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }
  function distinct(fn) {
    var seen = {};
    items.forEach(function (it) { var v = fn(it); if (v) seen[v] = true; });
    return Object.keys(seen).sort();
  }
  function band(it) {
    var p = it.pass_rate;
    if (typeof p !== "number") return "unknown";
    if (p === 0) return "0";
    if (p < 0.5) return "low";
    if (p < 1) return "high";
    return "1";
  }

  function matches(it) {
    var d = $("f-domain").value, t = $("f-type").value, s = $("f-status").value, b = $("f-band").value;
    if (d && it.domain !== d) return false;
    if (t && it.answer_type !== t) return false;
    if (s === "kept" && it.status !== "kept") return false;
    if (s === "rejected" && it.status !== "rejected") return false;
    if (s.indexOf("r:") === 0 && it.reason !== s.slice(2)) return false;
    if (s.indexOf("h:") === 0) {
      var m = mine[it.id];
      if (s === "h:none" ? !!m : !m || m.decision !== s.slice(2)) return false;
    }
    if (b && band(it) !== b) return false;
    if ($("f-todo").checked && mine[it.id]) return false;
    return true;
  }

  /** Recomputes the filtered view and keeps the cursor on the same pair when it is still in it. */
  function refilter(keepId) {
    view = [];
    items.forEach(function (it, i) { if (matches(it) || it.id === keepId) view.push(i); });
    var at = keepId === undefined ? -1 : view.findIndex(function (i) { return items[i].id === keepId; });
    cursor = at >= 0 ? at : 0;
    render();
  }

  function setText(id, text) { $(id).textContent = text; }

  function fillPassage(it) {
    var box = $("passage");
    while (box.firstChild) box.removeChild(box.firstChild);
    if (typeof it.passage !== "string") {
      box.textContent = "(no source text: the run keeps documents/ only for documents that yielded an accepted pair)";
      return;
    }
    var at = 0;
    it.evidence.forEach(function (r) {
      if (r[0] > at) box.appendChild(document.createTextNode(it.passage.slice(at, r[0])));
      var m = document.createElement("mark");
      m.textContent = it.passage.slice(r[0], r[1]);
      box.appendChild(m);
      at = r[1];
    });
    if (at < it.passage.length) box.appendChild(document.createTextNode(it.passage.slice(at)));
  }

  function describe(d) {
    if (!d) return "not reviewed";
    if (d.decision === "reject") return "rejected: " + (d.reason || "");
    if (d.decision === "edit") return "edited";
    return "accepted";
  }

  function render() {
    var reviewed = 0;
    items.forEach(function (it) { if (mine[it.id]) reviewed++; });
    setText("progress", reviewed + " / " + items.length + " reviewed");
    var empty = view.length === 0;
    $("card").hidden = empty;
    $("empty").hidden = !empty;
    if (empty) { setText("position", "0 of 0"); return; }
    var it = items[view[cursor]];
    $("card").setAttribute("data-id", it.id);
    setText("position", "pair " + (cursor + 1) + " of " + view.length);
    setText("status", it.status === "kept" ? "kept by the verifier" : "rejected by the pipeline: " + it.reason + (it.detail ? " (" + it.detail + ")" : ""));
    $("status").className = it.status === "kept" ? "ok" : "bad";
    var d = mine[it.id];
    setText("decision", describe(d));
    $("decision").className = d ? "decided " + d.decision : "";
    setText("question", d && d.question ? d.question : it.question);
    setText("answer", d && d.answer ? d.answer : it.answer);
    setText("aliases", it.aliases.length ? it.aliases.join(" | ") : "none");
    setText("type", it.answer_type);
    setText("domain", it.domain);
    setText("persona", it.persona + (it.persona_focus ? " (wants: " + it.persona_focus + ")" : ""));
    setText("verdicts", it.checks ? Object.keys(it.checks).map(function (k) { return k + " " + (it.checks[k] ? "yes" : "no"); }).join(", ") : "—");
    setText("passrate", typeof it.pass_rate === "number" ? Math.round(it.pass_rate * 100) + " %" : "unknown");
    setText("location", it.location);
    fillPassage(it);
  }

  function current() { return view.length ? items[view[cursor]] : undefined; }

  function move(step) {
    if (!view.length) return;
    cursor = Math.min(view.length - 1, Math.max(0, cursor + step));
    render();
  }

  function setMode(m) {
    mode = m;
    $("reasons").hidden = m !== "reject";
    $("edit").hidden = m !== "edit";
    if (m === "edit") {
      var it = current(), d = mine[it.id];
      $("edit-q").value = d && d.question ? d.question : it.question;
      $("edit-a").value = d && d.answer ? d.answer : it.answer;
      $("edit-q").focus();
    } else if (document.activeElement && document.activeElement.blur) {
      document.activeElement.blur();
    }
  }

  /** Sends a decision; the page changes only once the server has written it. */
  function decide(body, fromUndo) {
    var it = current();
    if (!it || busy) return;
    busy = true;
    body.id = it.id;
    var before = mine[it.id];
    api("POST", "/api/decision", body).then(function (res) {
      busy = false;
      if (res.decision.decision === "retract") delete mine[it.id]; else mine[it.id] = res.decision;
      if (!fromUndo) history.push({ id: it.id, before: before });
      setMode("view");
      flash(fromUndo ? "undone" : "saved: " + describe(res.decision));
      if (fromUndo) { refilter(it.id); return; }
      var pos = cursor;
      refilter(it.id);
      if ($("f-todo").checked) { refilter(); cursor = Math.min(pos, Math.max(0, view.length - 1)); render(); }
      else move(1);
    }).catch(function (e) {
      busy = false;
      flash("not saved: " + e.message, true);
    });
  }

  function undo() {
    var h = history.pop();
    if (!h) { flash("nothing to undo"); return; }
    refilter(h.id);
    var b = h.before;
    var body = b ? { decision: b.decision, reason: b.reason, question: b.question, answer: b.answer } : { decision: "retract" };
    decide(body, true);
  }

  /** Copies the pair you accepted into the --demos-out library; the server checks the rest. */
  function promote() {
    var it = current();
    if (!it || !demos) return;
    api("POST", "/api/promote", { id: it.id }).then(function (res) {
      flash("promoted to " + res.file);
    }).catch(function (e) { flash("not promoted: " + e.message, true); });
  }

  function saveEdit() {
    var it = current();
    var q = $("edit-q").value.trim(), a = $("edit-a").value.trim();
    if (!q || !a) { flash("question and answer cannot be empty", true); return; }
    var body = { decision: "edit" };
    if (q !== it.question) body.question = q;
    if (a !== it.answer) body.answer = a;
    if (!body.question && !body.answer) { flash("nothing changed: press a to accept as is, Esc to leave"); return; }
    decide(body);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.metaKey) return;
    if (mode === "edit") {
      if (ev.key === "Escape") { ev.preventDefault(); setMode("view"); }
      else if (ev.key === "Enter" && ev.ctrlKey) { ev.preventDefault(); saveEdit(); }
      return;
    }
    if (ev.ctrlKey) return;
    var tag = ev.target && ev.target.tagName;
    // Letters typed into a select or a text field are theirs; a checkbox takes no letters.
    if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && ev.target.type !== "checkbox")) {
      if (ev.key !== "Escape") return;
      ev.target.blur();
    }
    if (mode === "reject") {
      var n = Number(ev.key);
      if (n >= 1 && n <= reasons.length) { ev.preventDefault(); decide({ decision: "reject", reason: reasons[n - 1] }); }
      else if (ev.key === "Escape") { ev.preventDefault(); setMode("view"); }
      return;
    }
    if (!current() && ev.key !== "?") return;
    var handled = true;
    switch (ev.key) {
      case "a": decide({ decision: "accept" }); break;
      case "r": setMode("reject"); break;
      case "e": setMode("edit"); break;
      case "s": case "n": case "j": case "ArrowRight": move(1); break;
      case "p": case "k": case "ArrowLeft": move(-1); break;
      case "u": undo(); break;
      case "d": promote(); break;
      case "?": $("help").hidden = !$("help").hidden; break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });

  $("b-accept").addEventListener("click", function () { decide({ decision: "accept" }); });
  $("b-reject").addEventListener("click", function () { setMode("reject"); });
  $("b-edit").addEventListener("click", function () { setMode("edit"); });
  $("b-next").addEventListener("click", function () { move(1); });
  $("b-prev").addEventListener("click", function () { move(-1); });
  $("b-undo").addEventListener("click", undo);
  $("b-demo").addEventListener("click", promote);
  $("b-save").addEventListener("click", saveEdit);
  $("b-cancel").addEventListener("click", function () { setMode("view"); });
  ["f-domain", "f-type", "f-status", "f-band", "f-todo"].forEach(function (id) {
    $(id).addEventListener("change", function () { var it = current(); refilter(it && matches(it) ? it.id : undefined); });
  });

  api("GET", "/api/items").then(function (res) {
    items = res.items;
    mine = res.decisions;
    reasons = res.reasons;
    demos = res.demos;
    $("b-demo").hidden = !demos;
    setText("reviewer", res.reviewer);
    setText("source-info", res.note);
    reasons.forEach(function (r, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = (i + 1) + " " + r.replace(/_/g, " ");
      b.setAttribute("data-reason", r);
      b.addEventListener("click", function () { decide({ decision: "reject", reason: r }); });
      $("reason-list").appendChild(b);
    });
    distinct(function (it) { return it.domain; }).forEach(function (v) { option($("f-domain"), v, v); });
    distinct(function (it) { return it.answer_type; }).forEach(function (v) { option($("f-type"), v, v); });
    distinct(function (it) { return it.reason; }).forEach(function (v) { option($("f-status"), "r:" + v, "rejected: " + v); });
    refilter();
    document.body.setAttribute("data-ready", "1");
  }).catch(function (e) { flash("could not load the pairs: " + e.message, true); });
})();`;

/**
 * The report page's only script: the sample browser (search, filters, paging, source on
 * demand). Kept as a plain string, not a compiled function, so that what the page runs is
 * exactly what is hashed into the Content-Security-Policy. It reads the embedded JSON and
 * writes the DOM with textContent only: data never becomes markup.
 */
export const BROWSER_SCRIPT = `(function () {
  "use strict";
  var PAGE = 100;
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var rows = data.rows;
  var passages = data.passages;
  function byId(id) { return document.getElementById(id); }
  var search = byId("search"), fStatus = byId("f-status"), fDomain = byId("f-domain"), fType = byId("f-type");
  var body = byId("rows"), info = byId("page-info"), count = byId("match-count"), prev = byId("prev"), next = byId("next");

  function distinct(key) {
    var seen = {};
    rows.forEach(function (r) { if (r[key]) seen[r[key]] = true; });
    return Object.keys(seen).sort();
  }
  function addOption(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }
  distinct("d").forEach(function (v) { addOption(fDomain, v, v); });
  distinct("t").forEach(function (v) { addOption(fType, v, v); });
  distinct("r").forEach(function (v) { addOption(fStatus, "r:" + v, "rejected: " + v); });

  rows.forEach(function (r) {
    r.h = [r.q, r.a, r.p, r.d, r.t, r.r || "", r.loc].join("\\n").toLowerCase();
  });

  var filtered = rows;
  var page = 0;

  function apply() {
    var needle = search.value.trim().toLowerCase();
    var status = fStatus.value, domain = fDomain.value, type = fType.value;
    filtered = rows.filter(function (r) {
      if (status === "a" && r.s !== "a") return false;
      if (status === "r" && r.s !== "r") return false;
      if (status.indexOf("r:") === 0 && r.r !== status.slice(2)) return false;
      if (domain && r.d !== domain) return false;
      if (type && r.t !== type) return false;
      return !needle || r.h.indexOf(needle) >= 0;
    });
    page = 0;
    render();
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function fillSource(box, r) {
    var loc = document.createElement("div");
    loc.className = "loc";
    loc.textContent = (r.doc ? "document " + r.doc + " \\u2014 " : "") + r.loc;
    box.appendChild(loc);
    var pre = document.createElement("pre");
    pre.className = "passage";
    var text = r.doc ? passages[r.doc] : undefined;
    pre.textContent = text !== undefined ? text : "(the run kept no text for this document: only documents that yielded an accepted pair are stored)";
    box.appendChild(pre);
    if (r.x) {
      var det = document.createElement("pre");
      det.className = "detail";
      det.textContent = r.x;
      box.appendChild(det);
    }
  }

  function render() {
    while (body.firstChild) body.removeChild(body.firstChild);
    var start = page * PAGE;
    filtered.slice(start, start + PAGE).forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.s === "a" ? "accepted" : "rejected: " + r.r, r.s === "a" ? "ok" : "bad");
      cell(tr, r.d);
      cell(tr, r.p);
      cell(tr, r.t);
      cell(tr, r.q, "q");
      cell(tr, r.a);
      var td = cell(tr, "");
      var details = document.createElement("details");
      var summary = document.createElement("summary");
      summary.textContent = "source";
      details.appendChild(summary);
      var box = document.createElement("div");
      details.appendChild(box);
      details.addEventListener("toggle", function () {
        if (details.open && !box.firstChild) fillSource(box, r);
      });
      td.appendChild(details);
      body.appendChild(tr);
    });
    var pages = Math.max(1, Math.ceil(filtered.length / PAGE));
    info.textContent = "page " + (page + 1) + " of " + pages;
    count.textContent = filtered.length + " of " + rows.length + " rows match";
    prev.disabled = page === 0;
    next.disabled = start + PAGE >= filtered.length;
  }

  var timer = 0;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  [fStatus, fDomain, fType].forEach(function (s) { s.addEventListener("change", apply); });
  prev.addEventListener("click", function () { if (page > 0) { page--; render(); } });
  next.addEventListener("click", function () { if ((page + 1) * PAGE < filtered.length) { page++; render(); } });
  render();
})();`;

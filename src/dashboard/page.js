// wsreport dashboard: displays and filters the data wsreport computed (the JSON above).
// Every text from a report goes through textContent, never through HTML.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("wsreport-data").textContent);
  var CHANGE = {
    regression: ["\u25b2 newly failing", "newly failing"],
    improvement: ["\u2714 fixed", "fixed"],
    changed: ["\u25c6 changed", "changed"],
    "new": ["+ new", "new"],
    missing: ["\u2212 missing", "missing"]
  };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (k === "text") e.textContent = attrs[k];
        else if (k === "cls") e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      }
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }
  function colName(i) { return D.columns[i].label; }
  function badge(word, cls, what) {
    return el("span", { cls: "v " + (cls || "case_missing"), title: what + " " + word, text: word });
  }
  function changeMark(change, was) {
    var m = CHANGE[change] || [change, change];
    return el("span", { cls: "mark " + change, title: m[1] + (was ? " (was " + was + ")" : ""), text: m[0] });
  }
  // "flaky": re-runs of the case got different verdicts; always the word, the colour only adds
  function flakyMark(attempts) {
    return el("span", { cls: "mark flaky", title: "flaky: the verdicts changed on re-run" +
      (attempts && attempts.length ? " (" + attempts.join(", then ") + ")" : ""), text: "\u21bb flaky" });
  }
  function caseLink(id) { return el("a", { href: "#case-" + id, text: id }); }
  function ms(n) { return n >= 1000 ? (n / 1000).toFixed(1) + " s" : n + " ms"; }

  // ---- header ----
  var title = D.title || "Autobahn|Testsuite dashboard";
  document.title = title;
  $("title").textContent = title;
  D.reports.forEach(function (r, i) {
    var agents = D.columns.filter(function (c) { return c.reports.indexOf(i) >= 0; }).map(function (c) { return c.agent; });
    var parts = [r.path, r.mode ? r.mode + " tested" : "mode unknown",
      "testsuite " + (r.testsuite || "unknown"), plural(agents.length, "agent", "agents") + ": " + agents.join(", ")];
    if (r.started) parts.push("run " + r.started.replace("T", " ").replace(/\.\d+Z$/, " UTC"));
    $("meta").appendChild(el("p", { cls: "report", text: parts.join(" \u00b7 ") }));
  });
  $("meta").appendChild(el("p", { text: "Failing means: policy " + D.policy.name + ", UNIMPLEMENTED " + D.policy.unimplemented + "." }));
  var flakyCount = 0, flakyNames = [];
  D.columns.forEach(function (c) {
    var ids = c.summary.flaky || [];
    flakyCount += ids.length;
    if (ids.length) flakyNames.push(c.label + ": " + ids.join(", "));
  });
  if (flakyCount) {
    $("meta").appendChild(el("p", { id: "flaky-count" }, flakyMark(), " " + plural(flakyCount, "flaky case", "flaky cases") +
      " (the verdicts changed on re-run; the first is shown): " + flakyNames.join("; ")));
  }
  if (D.warnings.length) {
    // a case two reports of one agent hold with different verdicts (as `check` warns)
    var wl = el("ul");
    D.warnings.forEach(function (w) { wl.appendChild(el("li", { text: w })); });
    var wd = el("details", { id: "warnings" }, el("summary", { cls: "problem", text: "warning: " +
      plural(D.warnings.length, "case is", "cases are") + " in two reports of one agent with different verdicts; the later report's are shown" }), wl);
    wd.open = D.warnings.length <= 3;
    $("meta").appendChild(wd);
  }
  $("footer").textContent = "Made by " + D.generator + " (" + D.format + "). One file: no network, works offline.";

  // ---- counts ----
  (function counts() {
    var t = $("counts");
    var head = el("tr", null, el("th", { scope: "col", text: "" }));
    D.columns.forEach(function (c, i) { head.appendChild(el("th", { scope: "col", text: colName(i) })); });
    t.appendChild(el("thead", null, head));
    var body = el("tbody");
    function row(label, cls, value, attrs) {
      var tr = el("tr", null, el("th", { scope: "row" }, cls ? badge(label[1], cls, label[0]) : label[0], cls ? " " + label[0] : ""));
      D.columns.forEach(function (c, i) {
        var a = attrs(i); a.cls = "n"; a.text = String(value(c));
        tr.appendChild(el("td", a));
      });
      body.appendChild(tr);
    }
    row(["cases"], null, function (c) { return c.summary.cases; }, function (i) { return { "data-col": i, "data-kind": "cases" }; });
    [["behavior", "behavior", "behavior_class"], ["behaviorClose", "close", "close_class"]].forEach(function (k) {
      var words = [];
      D.columns.forEach(function (c) { Object.keys(c.summary[k[0]]).forEach(function (w) { if (words.indexOf(w) < 0) words.push(w); }); });
      words.forEach(function (w) {
        row([k[1], w], classOf(k[2], w), function (c) { return c.summary[k[0]][w] || 0; },
          function (i) { return { "data-col": i, "data-kind": k[0], "data-verdict": w }; });
      });
    });
    row(["failing under " + D.policy.name], null, function (c) { return c.failing; }, function (i) { return { "data-col": i, "data-kind": "failing" }; });
    if (flakyCount) row(["flaky"], null, function (c) { return (c.summary.flaky || []).length; }, function (i) { return { "data-col": i, "data-kind": "flaky" }; });
    row(["duration"], null, function (c) { return ms(c.summary.duration_ms); }, function (i) { return { "data-col": i, "data-kind": "duration" }; });
    t.appendChild(body);
  })();
  function classOf(field, word) {
    for (var i = 0; i < D.cases.length; i++) {
      var cells = D.cases[i].cells;
      for (var j = 0; j < cells.length; j++) {
        var c = cells[j];
        if (c && (field === "behavior_class" ? c.behavior : c.close) === word) return c[field];
      }
    }
    return "case_missing";
  }

  // ---- diff ----
  if (D.diff) {
    var d = D.diff, n = d.counts;
    $("diff").hidden = false;
    $("f-changed-label").hidden = false;
    $("diff-h").textContent = "Changes against the " + (d.kind === "baseline" ? "baseline " : "earlier run ") + d.against.join(", ");
    $("diff-counts").textContent = [plural(n.regression, "newly failing", "newly failing"), n.improvement + " fixed",
      n.changed + " changed", n["new"] + " new", n.missing + " missing", n.unchanged + " unchanged"].join(", ");
    d.warnings.forEach(function (w) { $("diff-warnings").appendChild(el("li", { cls: "problem", text: "warning: " + w })); });
    var t = $("diff-table");
    if (d.changes.length) {
      t.appendChild(el("thead", null, el("tr", null, el("th", { text: "agent" }), el("th", { text: "case" }),
        el("th", { text: "change" }), el("th", { text: "was" }), el("th", { text: "now" }))));
      var b = el("tbody");
      d.changes.forEach(function (c) {
        b.appendChild(el("tr", { "data-change": c.change, "data-case": c.case }, el("td", { text: c.agent }), el("td", null, caseLink(c.case)),
          el("td", null, changeMark(c.change)), el("td", { text: c.was || "\u2014" }), el("td", { text: c.now || "\u2014" })));
      });
      t.appendChild(b);
    }
  }

  // ---- groups ----
  if (D.groups.length) {
    $("groups").hidden = false;
    D.groups.forEach(function (g) {
      var cases = el("p", { cls: "ids" });
      g.cases.forEach(function (id, k) { if (k) cases.appendChild(document.createTextNode(", ")); cases.appendChild(caseLink(id)); });
      var box = el("details", { "data-key": g.key }, el("summary", null, el("b", { text: colName(g.column) }), ": " + g.title), cases);
      box.open = g.cases.length <= 12;
      $("group-list").appendChild(el("li", null, box));
    });
  }

  // ---- errors ----
  if (D.errors.length) {
    $("errors").hidden = false;
    D.errors.forEach(function (e) { $("error-list").appendChild(el("li", { text: (e.path ? e.path + ": " : "") + e.error })); });
  }

  // ---- filters ----
  function options(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", { value: v[0], text: v[1] })); });
  }
  function words(field) {
    var seen = [];
    D.cases.forEach(function (r) { r.cells.forEach(function (c) { if (c && c[field] && seen.indexOf(c[field]) < 0) seen.push(c[field]); }); });
    return seen.sort().map(function (w) { return [w, w]; });
  }
  options($("f-behavior"), words("behavior"));
  options($("f-close"), words("close"));
  options($("f-category"), D.categories.map(function (c) { return [c.category, c.category + " " + c.title]; }));
  options($("f-agent"), D.columns.map(function (c, i) { return [String(i), colName(i)]; }));
  $("f-flaky-label").hidden = !flakyCount;

  // ---- matrix ----
  var matrix = $("matrix");
  var head = el("tr", null, el("th", { scope: "col", text: "case" }), el("th", { scope: "col", text: "title" }));
  D.columns.forEach(function (c, i) { head.appendChild(el("th", { scope: "col", "data-col": i, text: colName(i) })); });
  matrix.appendChild(el("thead", null, head));
  var tbody = el("tbody");
  matrix.appendChild(tbody);
  var width = 2 + D.columns.length;
  var catRows = {};
  D.categories.forEach(function (c) {
    catRows[c.category] = el("tr", { cls: "cat" }, el("th", { colspan: width, scope: "rowgroup", text: c.category + " " + c.title }));
  });
  var rows = D.cases.map(function (r, index) {
    var tr = el("tr", { cls: "row", id: "case-" + r.id, "data-id": r.id },
      el("td", { cls: "id" }, caseLink(r.id)), el("td", { cls: "title" }, el("span", { title: r.title, text: r.title })));
    var longest = 0;
    r.cells.forEach(function (c, i) {
      var td = el("td", { cls: "cell", "data-col": i });
      if (!c) td.appendChild(el("span", { cls: "absent", text: "not run" }));
      else {
        if (c.behavior) {
          td.appendChild(badge(c.behavior, c.behavior_class, "behaviour"));
          td.appendChild(document.createTextNode(" "));
          td.appendChild(badge(c.close, c.close_class, "close"));
          td.appendChild(el("span", { cls: "ms", text: ms(c.duration_ms) }));
          longest = Math.max(longest, c.duration_ms);
        } else td.appendChild(el("span", { cls: "absent", text: "not in this run" }));
        if (c.flaky) td.appendChild(flakyMark(c.attempts));
        if (c.change) td.appendChild(changeMark(c.change, c.was));
      }
      tr.appendChild(td);
    });
    tr.addEventListener("click", function (ev) { if (ev.target.tagName !== "A") location.hash = "case-" + r.id; });
    return { data: r, tr: tr, longest: longest, index: index };
  });

  var state = {};
  function considered(r) {
    var cols = [];
    r.data.cells.forEach(function (c, i) { if (c && (state.agent === "" || String(i) === state.agent)) cols.push(c); });
    return cols;
  }
  function matches(r) {
    var q = state.search.trim().toLowerCase();
    if (q && r.data.id.indexOf(q) !== 0 && r.data.title.toLowerCase().indexOf(q) < 0) return false;
    if (state.category && r.data.category !== state.category) return false;
    var cells = considered(r);
    if (!cells.length) return false;
    if (state.behavior && !cells.some(function (c) { return c.behavior === state.behavior; })) return false;
    if (state.close && !cells.some(function (c) { return c.close === state.close; })) return false;
    if (state.failing && !cells.some(function (c) { return c.judgement === "fail"; })) return false;
    if (state.changed && !cells.some(function (c) { return !!c.change; })) return false;
    if (state.flaky && !cells.some(function (c) { return !!c.flaky; })) return false;
    return true;
  }
  function render() {
    state = {
      search: $("f-search").value, behavior: $("f-behavior").value, close: $("f-close").value,
      category: $("f-category").value, agent: $("f-agent").value, failing: $("f-failing").checked,
      changed: $("f-changed").checked, flaky: $("f-flaky").checked, sort: $("f-sort").value
    };
    var shown = rows.filter(matches);
    if (state.sort === "duration") shown.sort(function (a, b) { return b.longest - a.longest || a.index - b.index; });
    var frag = document.createDocumentFragment(), cat = null;
    shown.forEach(function (r) {
      if (state.sort === "id" && r.data.category !== cat) { cat = r.data.category; frag.appendChild(catRows[cat]); }
      frag.appendChild(r.tr);
    });
    tbody.textContent = "";
    tbody.appendChild(frag);
    matrix.querySelectorAll("[data-col]").forEach(function (c) {
      c.classList.toggle("hidecol", state.agent !== "" && c.getAttribute("data-col") !== state.agent);
    });
    $("shown").textContent = "Showing " + shown.length + " of " + plural(rows.length, "case", "cases") + ".";
  }
  ["f-search", "f-behavior", "f-close", "f-category", "f-agent", "f-failing", "f-changed", "f-flaky", "f-sort"].forEach(function (id) {
    $(id).addEventListener(id === "f-search" ? "input" : "change", render);
  });
  $("f-reset").addEventListener("click", function () { $("filters").reset(); render(); });
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); });

  // ---- the selected case ----
  function section(s) {
    var ul = el("ul");
    s.lines.forEach(function (l) { ul.appendChild(el("li", { cls: l.kind || "", text: l.text })); });
    return el("div", { cls: "section", "data-section": s.key }, el("h5", { text: s.title }), ul);
  }
  function show(id) {
    var r = null;
    rows.forEach(function (x) { x.tr.classList.toggle("selected", x.data.id === id); if (x.data.id === id) r = x; });
    var a = $("detail");
    a.textContent = "";
    if (!r) { a.appendChild(el("p", { cls: "hint", text: "No case " + id + " in this run." })); return; }
    var c = r.data;
    a.appendChild(el("h3", null, "Case " + c.id + " ", el("span", { cls: "hint", text: c.title })));
    a.appendChild(el("h4", { text: "Description" }));
    a.appendChild(el("p", { cls: "text", text: c.description || "(not in the report)" }));
    a.appendChild(el("h4", { text: "Expectation" }));
    a.appendChild(el("p", { cls: "text", text: c.expectation || "(not in the report)" }));
    c.cells.forEach(function (cell, i) {
      if (!cell) return;
      var box = el("div", { cls: "agent", "data-col": i });
      var h = el("h4", null, colName(i) + " ");
      if (cell.behavior) { h.appendChild(badge(cell.behavior, cell.behavior_class, "behaviour")); h.appendChild(document.createTextNode(" ")); h.appendChild(badge(cell.close, cell.close_class, "close")); }
      if (cell.flaky) h.appendChild(flakyMark(cell.attempts));
      if (cell.change) h.appendChild(changeMark(cell.change, cell.was));
      box.appendChild(h);
      if (cell.attempts && cell.attempts.length) {
        box.appendChild(el("p", { cls: cell.flaky ? "flaky-note" : "", text: (cell.flaky ? "flaky: the verdicts changed on re-run: " : "re-run, the same verdicts every time: ") +
          cell.attempts.join(", then ") + " (the first is the report's)." }));
      }
      if (cell.change && cell.was) box.appendChild(el("p", { text: (CHANGE[cell.change] || [, cell.change])[1] + ": was " + cell.was + (cell.behavior ? ", now " + cell.behavior + "/" + cell.close : "") }));
      var x = cell.diagnosis;
      if (!x) { box.appendChild(el("p", { cls: "hint", text: cell.behavior ? "The case file could not be read." : "" })); a.appendChild(box); return; }
      box.appendChild(el("p", { cls: "headline", text: x.headline }));
      if (x.fault) {
        var f = el("div", { cls: "fault" }, el("p", null, el("b", { text: "Fault: " }), x.fault.key + " \u2014 " + x.fault.title));
        if (x.fault.evidence.length) {
          var ev = el("ul");
          x.fault.evidence.forEach(function (e) { ev.appendChild(el("li", { text: e })); });
          f.appendChild(ev);
        }
        box.appendChild(f);
      }
      if (x.checked && x.checked.length) {
        var ul = el("ul");
        x.checked.forEach(function (t) { ul.appendChild(el("li", { text: "checked: " + t })); });
        box.appendChild(ul);
      }
      (x.sections || []).forEach(function (s) { box.appendChild(section(s)); });
      a.appendChild(box);
    });
  }
  function fromHash() {
    var h = decodeURIComponent(location.hash.slice(1));
    if (h.indexOf("case-") === 0) show(h.slice(5));
  }
  window.addEventListener("hashchange", fromHash);

  // ---- keyboard ----
  function visibleRows() { return rows.filter(function (r) { return r.tr.parentNode === tbody; }); }
  document.addEventListener("keydown", function (e) {
    var t = e.target, typing = t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA";
    if (e.key === "/" && !typing) { e.preventDefault(); $("f-search").focus(); return; }
    if (e.key === "Escape") {
      var sel = rows.filter(function (r) { return r.tr.classList.contains("selected"); })[0];
      (sel ? sel.tr.querySelector("a") : $("f-search")).focus();
      return;
    }
    if (typing || e.altKey || e.ctrlKey || e.metaKey) return;
    var step = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 }[e.key];
    if (!step) return;
    var vis = visibleRows();
    if (!vis.length) return;
    var at = -1;
    vis.forEach(function (r, i) { if (r.tr.contains(t)) at = i; });
    if (at < 0) vis.forEach(function (r, i) { if (r.tr.classList.contains("selected")) at = i; });
    var next = vis[Math.max(0, Math.min(vis.length - 1, at < 0 ? 0 : at + step))];
    e.preventDefault();
    next.tr.querySelector("a").focus();
  });

  render();
  fromHash();
  document.body.setAttribute("data-ready", "true");
})();

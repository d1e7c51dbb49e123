"""The inline CSS and JS of report.html (harness/reports/html.py). No network, no emoji: colour always has text.

The JS only adds: the filters (by outcome and area) are hidden until it runs, and a click on a cell opens that cell's
evidence in a side panel. The state lives in the URL fragment, so a link can be shared:
`report.html#open=<target>/<probe-id>&outcome=fail,non-strict&area=responses`. With JS off every row and every
evidence section is in the page, and a cell is a plain link to its evidence.
"""

from __future__ import annotations

CSS = """
.o-pass{--bg:#d7f0db;--b:#2e7d32}.o-pass-rejected{--bg:#dbe8fb;--b:#1e5fb4}.o-non-strict{--bg:#fff1bf;--b:#a66f00}
.o-fail{--bg:#fbd3d0;--b:#b3261e}.o-skip{--bg:#ececec;--b:#6b6b6b}.o-total{--bg:#f6f8fa;--b:#8c959f}
:root{--line:#d0d7de;--mute:#57606a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1.5em 2em;color:#1f2328}
h1{font-size:22px;margin:0 0 .2em}h2{font-size:17px;margin:1.4em 0 .5em}h3{font-size:15px;margin:0 0 .6em}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.meta,.legend{color:var(--mute);margin:0 0 1em}
.counts{display:flex;flex-wrap:wrap;gap:.5em;list-style:none;padding:0;margin:0 0 1em}
.counts li{padding:.35em .8em;border-radius:6px;background:var(--bg);border-left:5px solid var(--b)}
.counts b{font-size:18px;margin-right:.3em}
#defects{border:1px solid #b3261e;border-radius:6px;padding:.2em 1em;margin-bottom:1em;background:#fff8f7}
#filters{display:flex;flex-wrap:wrap;gap:.4em 1.5em;align-items:center;margin:.5em 0 1em;padding:.6em .8em;
background:#f6f8fa;border-radius:6px}
#filters fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.3em .9em;align-items:center}
#filters legend{float:left;font-weight:600;margin-right:.5em}
#filters label{white-space:nowrap;cursor:pointer}
#filters label[class]{padding:.1em .5em;border-radius:3px;background:var(--bg);border-left:5px solid var(--b)}
#shown{color:var(--mute)}
table{border-collapse:collapse}
#matrix th,#matrix td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
#matrix thead th{position:sticky;top:0;background:#fff;z-index:1}
#matrix thead small{display:block;font-weight:400;color:var(--mute)}
#matrix tr.area th{background:#f6f8fa;font-size:13px;text-transform:uppercase;letter-spacing:.04em}
#matrix td{background:var(--bg);border-left:5px solid var(--b,var(--line));min-width:9em}
#matrix td a{color:inherit;text-decoration:none;display:block}
#matrix td a:hover{text-decoration:underline}
#matrix td.out{background:#fff;border-left-color:var(--line)}#matrix td.out a{visibility:hidden}
#matrix td.selected{outline:3px solid #1f2328;outline-offset:-3px}
.lvl{color:var(--mute);font-size:11px;margin-left:.4em}
details.ev{border:1px solid var(--line);border-left:5px solid var(--b);border-radius:4px;margin:.3em 0;background:#fff}
details.ev>summary{cursor:pointer;padding:.3em .6em;background:var(--bg)}
details.ev>.body{padding:.2em 1em 1em}
details.ev.current{position:fixed;top:0;right:0;bottom:0;width:min(820px,56vw);margin:0;overflow:auto;z-index:5;
box-shadow:-6px 0 24px rgba(0,0,0,.25);border-radius:0}
details.ev.current>summary{position:sticky;top:0;font-weight:600;padding:.6em 1em;z-index:1}
button.close{float:right;margin-left:1em;cursor:pointer}details.ev:not(.current) button.close{display:none}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.5em 0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;white-space:pre-wrap;word-break:break-word}
table.findings{margin:.4em 0;font-size:13px;width:100%}table.findings td{overflow-wrap:anywhere}
table.findings td:nth-child(1),table.findings td:nth-child(3){white-space:nowrap}
table.findings th,table.findings td{border:1px solid var(--line);padding:2px 6px;vertical-align:top;text-align:left}
.exchange{border-top:1px solid var(--line);margin-top:.6em;padding-top:.4em}
.wireline{font-weight:600}
pre{background:#f6f8fa;padding:6px 8px;margin:.3em 0;max-height:22em;overflow:auto;white-space:pre-wrap;
word-break:break-all}
.none{color:var(--mute)}
"""

JS = """
(function () {
  var form = document.getElementById("filters");
  if (!form) return;
  form.hidden = false;
  var current = null;

  function checked(name) {
    var out = {};
    form.querySelectorAll("input[name=" + name + "]").forEach(function (box) { if (box.checked) out[box.value] = 1; });
    return out;
  }
  function everything(name) { return form.querySelectorAll("input[name=" + name + "]:not(:checked)").length === 0; }

  function apply() {
    var outcomes = checked("outcome"), areas = checked("area"), shown = 0, total = 0;
    document.querySelectorAll("#matrix tbody").forEach(function (body) {
      var any = false;
      body.querySelectorAll("tr[data-probe]").forEach(function (row) {
        var hit = false;
        row.querySelectorAll("td[data-outcome]").forEach(function (cell) {
          var match = !!outcomes[cell.dataset.outcome] && !!areas[body.dataset.area];
          cell.classList.toggle("out", !match);
          total += 1;
          if (match) { hit = true; shown += 1; }
        });
        row.hidden = !hit;
        any = any || hit;
      });
      body.hidden = !any;
    });
    document.querySelectorAll("details.ev").forEach(function (ev) {
      ev.hidden = !(outcomes[ev.dataset.outcome] && areas[ev.dataset.area]) && ev !== current;
    });
    document.getElementById("shown").textContent = shown + " of " + total + " cells shown";
  }

  function close() {
    if (!current) return;
    current.classList.remove("current");
    current.open = false;
    var cell = document.querySelector("td.selected");
    if (cell) cell.classList.remove("selected");
    current = null;
  }

  function open(key) {
    close();
    var ev = document.getElementById("ev-" + key);
    if (!ev) return;
    current = ev;
    ev.hidden = false;
    ev.open = true;
    ev.classList.add("current");
    var cell = document.querySelector('td[data-key="' + CSS.escape(key) + '"]');
    if (cell) cell.classList.add("selected");
  }

  function save() {
    var parts = [];
    if (current) parts.push("open=" + encodeURIComponent(current.id.slice(3)).replace(/%2F/g, "/"));
    ["outcome", "area"].forEach(function (name) {
      if (!everything(name)) parts.push(name + "=" + Object.keys(checked(name)).map(encodeURIComponent).join(","));
    });
    history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
  }

  function load() {
    var state = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var at = part.indexOf("=");
      if (at > 0) state[part.slice(0, at)] = decodeURIComponent(part.slice(at + 1));
    });
    ["outcome", "area"].forEach(function (name) {
      if (state[name] === undefined) return;
      var wanted = state[name].split(",");
      form.querySelectorAll("input[name=" + name + "]").forEach(function (box) {
        box.checked = wanted.indexOf(box.value) >= 0;
      });
    });
    if (state.open) open(state.open); else close();
    apply();
  }

  form.addEventListener("change", function () { apply(); save(); });
  form.querySelectorAll("button[data-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      form.querySelectorAll("input[name=" + button.dataset.all + "]").forEach(function (box) { box.checked = true; });
      apply(); save();
    });
  });
  document.querySelectorAll("#matrix td[data-key] a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var key = link.parentNode.dataset.key;
      if (current && current.id === "ev-" + key) close(); else open(key);
      apply(); save();
    });
  });
  document.querySelectorAll("details.ev").forEach(function (ev) {
    var button = document.createElement("button");
    button.className = "close";
    button.type = "button";
    button.textContent = "close";
    button.addEventListener("click", function (event) { event.preventDefault(); close(); apply(); save(); });
    ev.querySelector("summary").appendChild(button);
    ev.addEventListener("toggle", function () { if (!ev.open && ev === current) { close(); apply(); save(); } });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current) { close(); apply(); save(); }
  });
  window.addEventListener("hashchange", load);
  load();
})();
"""

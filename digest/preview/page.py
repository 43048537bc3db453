"""The preview page: one static document, inline CSS and JS, no external resources.

It fetches /state.json, shows the email in switchable views, and long-polls /version to
swap in each rebuild without reloading (the chosen view and scroll positions stay). Exists only
while serving; built files never contain any of it.
"""

from __future__ import annotations

import base64
import hashlib

SCRIPT = r"""
"use strict";
const VIEWS = ["desktop", "mobile", "dark", "text", "mjml", "checks", "size"];
const FRAMES = {desktop: "html", mobile: "html", dark: "html_dark"};
const $ = (id) => document.getElementById(id);
let state = null;
let version = -1;
let view = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "desktop";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}
const fmt = (n) => n.toLocaleString("en-US");

function show(name) {
  view = name;
  history.replaceState(null, "", "#" + name);
  for (const v of VIEWS) {
    $("view-" + v).hidden = v !== name;
    $("tab-" + v).setAttribute("aria-selected", String(v === name));
  }
  if (FRAMES[name]) fillFrame(name);
}

// A frame's width is the email's: its own scrollbar is added outside it, so "Mobile 375"
// lays the email out at 375 px, as a 375 px phone does, not 360.
function fitWidth(frame) {
  const inner = frame.contentWindow, root = frame.contentDocument.documentElement;
  const bar = inner.innerWidth - root.clientWidth;
  frame.style.width = (Number(frame.dataset.width) + bar) + "px";
}

function fillFrame(name) {
  const frame = $("frame-" + name);
  const html = state && state[FRAMES[name]];
  if (!html || frame.dataset.shown === String(state.version)) return;
  frame.dataset.shown = String(state.version);
  if (frame.srcdoc === html) return;
  let x = 0, y = 0;
  try { x = frame.contentWindow.scrollX; y = frame.contentWindow.scrollY; } catch (e) {}
  frame.addEventListener("load", () => {
    try { fitWidth(frame); frame.contentWindow.scrollTo(x, y); } catch (e) {}
  }, {once: true});
  frame.srcdoc = html;
}

function setPre(id, text) {
  const pre = $(id);
  if (pre.textContent === text) return;
  const top = pre.scrollTop;
  pre.textContent = text;
  pre.scrollTop = top;
}

function renderChecks(s) {
  const list = $("checks");
  list.replaceChildren();
  const findings = s.findings || [];
  for (const f of findings) {
    const item = el("li", "finding " + f.severity);
    item.append(el("b", "sev", f.severity), " ", el("code", "", f.code), " ", f.message);
    list.append(item);
  }
  if (!findings.length) list.append(el("li", "finding ok", "No problems found."));
  $("checks-note").textContent = s.checks_note || "";
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.length - errors;
  $("tab-checks").textContent = `Checks (${errors} errors, ${warnings} warnings)`;
}

function renderSize(size) {
  const scale = Math.max(size.html_bytes, size.limit) * 1.05;
  for (const id of ["gauge", "gauge-small"]) {
    const g = $(id);
    g.querySelector(".fill").style.width = (100 * size.html_bytes / scale) + "%";
    g.querySelector(".limit").style.left = (100 * size.limit / scale) + "%";
    g.classList.toggle("over", size.clipped);
  }
  const pct = Math.round(100 * size.html_bytes / size.limit);
  $("size-line").textContent =
    `${fmt(size.html_bytes)} of ${fmt(size.limit)} bytes (${pct}%) — ${size.clip_in}`;
  $("size-small").textContent =
    fmt(size.html_bytes) + " B · " + (size.clipped ? "clips" : "no clipping");
  $("style-line").textContent =
    `<style> blocks: ${fmt(size.style_bytes)} of ${fmt(size.style_limit)} bytes`;
  const body = $("markers");
  body.replaceChildren();
  for (const m of size.markers) {
    const row = el("tr", m.clipped ? "clipped" : "");
    row.append(el("td", "num", fmt(m.offset)), el("td", "", m.section), el("td", "", m.label),
               el("td", "", m.clipped ? "hidden behind “View entire message”" : "visible"));
    body.append(row);
  }
}

function render(s) {
  state = s;
  version = s.version;
  document.title = "Preview · " + (s.subject || s.edition);
  $("edition").textContent = s.edition + (s.subject ? " — " + s.subject : "");
  const when = new Date().toLocaleTimeString();
  $("status").textContent =
    `${s.ok ? "Built in" : "Failed after"} ${s.build_ms} ms · update ${s.version} · ${when}`;
  $("error").hidden = s.ok;
  $("error-text").textContent = s.error || "";
  $("error-keep").textContent = s.has_email
    ? "The last good email is still shown below." : "There is no email to show yet.";
  if (!s.has_email) return;
  setPre("text", s.text);
  setPre("mjml", s.mjml);
  renderChecks(s);
  renderSize(s.size);
  if (FRAMES[view]) fillFrame(view);
}

async function load() {
  const response = await fetch("/state.json", {cache: "no-store"});
  render(await response.json());
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function poll() {
  for (;;) {
    try {
      const response = await fetch("/version?since=" + version, {cache: "no-store"});
      if (response.status === 503) {
        // Busy (many tabs open): ask again when the server says, without crying "offline".
        await sleep(1000 * (Number(response.headers.get("Retry-After")) || 1));
        continue;
      }
      const v = await response.json();
      if (v.version !== version) await load();
      $("offline").hidden = true;
    } catch (e) {
      $("offline").hidden = false;
      await sleep(1000);
    }
  }
}

for (const v of VIEWS) $("tab-" + v).addEventListener("click", () => show(v));
show(view);
load().catch(() => { $("offline").hidden = false; }).finally(poll);
"""

STYLE = """
:root{font:14px/1.4 system-ui,sans-serif;color:#1d1d1f;background:#eef0f3}
body{margin:0}header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccd;
padding:8px 12px;z-index:1}h1{font-size:15px;margin:0 0 6px}#status{color:#667;margin-left:8px;
font-size:12px}nav{display:flex;flex-wrap:wrap;gap:4px;align-items:center}
nav button{font:inherit;border:1px solid #bbc;background:#f6f7f9;border-radius:4px;
padding:3px 10px;cursor:pointer}nav button[aria-selected=true]{background:#1d4ed8;color:#fff;
border-color:#1d4ed8}#error{background:#fde8e8;border:1px solid #e11d48;color:#7f1d1d;
margin:8px 12px;padding:8px 12px;border-radius:4px}#error pre{white-space:pre-wrap;margin:4px 0}
#offline{background:#fff7d6;margin:8px 12px;padding:6px 12px}main{padding:12px}
.frame{display:block;margin:0 auto;border:1px solid #ccd;background:#fff;
height:calc(100vh - 130px);box-sizing:content-box}#frame-desktop{width:600px}
#frame-mobile{width:375px}
#frame-dark{width:600px;color-scheme:dark;background:#111}.note{color:#556;font-size:12px;
text-align:center;margin:4px}pre.src{background:#fff;border:1px solid #ccd;padding:12px;margin:0;
white-space:pre-wrap;overflow:auto;height:calc(100vh - 150px);font:12px/1.45 ui-monospace,monospace}
.gauge{position:relative;height:14px;background:#dfe3ea;border-radius:3px;overflow:hidden}
.gauge .fill{position:absolute;inset:0 auto 0 0;background:#16a34a}
.gauge.over .fill{background:#e11d48}
.gauge .limit{position:absolute;top:0;bottom:0;width:2px;background:#111}
#gauge-small{display:inline-block;width:120px;height:8px;vertical-align:middle;margin-left:12px}
#size-small{font-size:12px;color:#556;margin-left:4px}table{border-collapse:collapse;margin-top:10px;
background:#fff}td,th{border:1px solid #ccd;padding:3px 8px;text-align:left}td.num{text-align:right}
tr.clipped{color:#9f1239}ul#checks{list-style:none;padding:0}.finding{background:#fff;margin:4px 0;
padding:6px 10px;border-left:4px solid #16a34a}.finding.error{border-color:#e11d48}
.finding.warning{border-color:#d97706}.sev{text-transform:uppercase;font-size:11px}
"""

BODY = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">
<title>digest preview</title>
<style>{style}</style></head>
<body><header><h1>digest preview: <span id="edition">loading…</span><span id="status"></span></h1>
<nav aria-label="Views">
<button id="tab-desktop">Desktop 600</button><button id="tab-mobile">Mobile 375</button>
<button id="tab-dark">Dark mode</button><button id="tab-text">Plain text</button>
<button id="tab-mjml">MJML</button><button id="tab-checks">Checks</button>
<button id="tab-size">Size</button>
<span class="gauge" id="gauge-small"><span class="fill"></span><span class="limit"></span></span>
<span id="size-small"></span></nav></header>
<div id="error" role="alert" hidden><b>The build failed.</b> <span id="error-keep"></span>
<pre id="error-text"></pre></div>
<div id="offline" hidden>The preview server is not answering; retrying…</div>
<main>
<section id="view-desktop"><iframe class="frame" id="frame-desktop" data-width="600"
 title="Email, desktop width"
 sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe></section>
<section id="view-mobile" hidden><iframe class="frame" id="frame-mobile" data-width="375"
 title="Email, mobile width"
 sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe></section>
<section id="view-dark" hidden><p class="note">Dark mode as clients that honour
<code>prefers-color-scheme</code> show it (Apple Mail, iOS, Outlook.com). Gmail and Outlook apps
instead invert colours on their own, which no browser can emulate.</p>
<iframe class="frame" id="frame-dark" data-width="600" title="Email, dark mode"
 sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe></section>
<section id="view-text" hidden><pre class="src" id="text"></pre></section>
<section id="view-mjml" hidden><pre class="src" id="mjml"></pre></section>
<section id="view-checks" hidden><p id="checks-note" class="note"></p>
<ul id="checks"></ul></section>
<section id="view-size" hidden><p id="size-line"></p>
<div class="gauge" id="gauge"><span class="fill"></span><span class="limit"></span></div>
<p id="style-line"></p><p class="note">Gmail shows the first 102,400 bytes of the HTML and hides the
rest behind “View entire message”. Byte offsets of each story:</p>
<table><thead><tr><th>starts at byte</th><th>section</th><th>story</th><th>in Gmail</th></tr>
</thead>
<tbody id="markers"></tbody></table></section>
</main>
<script>{script}</script></body></html>
"""

PAGE_HTML = BODY.format(style=STYLE, script=SCRIPT).encode("utf-8")
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()

# The email is shown in srcdoc frames, which inherit this policy: its inline styles and remote
# images load, but no script other than the page's own (pinned by hash) can run.
PAGE_CSP = (
    "default-src 'none'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; "
    "style-src 'unsafe-inline' https:; "
    "img-src http: https: data:; "
    "font-src https: data:; "
    "connect-src 'self'; "
    "frame-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# Every answer of the preview server carries these.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Raw email parts: nothing in them may run, and they may only be shown as a top-level page.
RAW_CSP = (
    "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; sandbox"
)
TEXT_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

// The playground: every pane asks the engine (the npm package's browser
// entry, WebAssembly) and shows its answer as the bindings get it. No
// network beyond this page's own files; the state lives in the URL fragment.
import { Policy, ResaleError, marketplace } from "@resale/resale";

const $ = (id) => document.getElementById(id);
const FIELDS = ["policy", "buy-link", "shop-query", "webhook", "feed-path", "feed"];
let policy = null;
let sampleLoaded = false;

/** The fragment: base64url of the JSON of the fields (the bundled sample by name, not by content). */
function saveState() {
  const state = Object.fromEntries(FIELDS.map((f) => [f, $(f).value]));
  if (sampleLoaded) { delete state.feed; state.sample = true; }
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let bin = "";
  bytes.forEach((b) => { bin += String.fromCharCode(b); });
  history.replaceState(null, "", "#" + btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
}

function loadState() {
  const h = location.hash.slice(1);
  if (!h) return null;
  try {
    const bin = atob(h.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

const show = (el, answer, ok) => {
  el.textContent = JSON.stringify(answer, null, 2);
  el.className = "result " + (ok ? "ok" : "refused");
};

/** A thrown ResaleError as the answer the command line prints (its report). */
const refusal = (e) => (e instanceof ResaleError ? e.report ?? { code: e.code, field: e.field, message: e.message } : { error: String(e) });

function compilePolicy() {
  const out = $("policy-errors");
  try {
    policy = Policy.fromJson($("policy").value);
    out.textContent = "policy compiles";
    out.className = "ok";
  } catch (e) {
    policy = null;
    out.className = "error";
    out.textContent = e instanceof ResaleError ? `${e.code} at ${e.field ?? "$"}: ${e.message}` : String(e);
  }
}

function rewrite() {
  const el = $("rewrite-result");
  const url = $("buy-link").value.trim();
  if (!policy || !url) { el.textContent = policy ? "" : "(the policy does not compile)"; el.className = "result"; return; }
  try {
    const r = policy.rewriteBuyUrl(url);
    show(el, r, r.status === "rewritten");
  } catch (e) { show(el, refusal(e), false); }
}

function check() {
  const el = $("check-result");
  const q = $("shop-query").value.trim();
  if (!policy || !q) { el.textContent = policy ? "" : "(the policy does not compile)"; el.className = "result"; return; }
  try { show(el, policy.checkShopRequest(q), true); } catch (e) { show(el, refusal(e), false); }
}

function entitlement() {
  const el = $("entitlement");
  const body = $("webhook").value.trim();
  if (!body) { el.textContent = ""; el.className = "result"; return; }
  try { show(el, marketplace.apply(null, body), true); } catch (e) { show(el, refusal(e), false); }
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text ?? "–";
  row.append(td);
}

/** The explain table: hidden rows first (feed order within each group), as `resale explain --format table`. */
function explain() {
  const body = $("explain-table").tBodies[0];
  const summary = $("explain-summary");
  body.replaceChildren();
  const feed = $("feed").value;
  if (!policy || !feed.trim()) { summary.textContent = ""; return; }
  let e;
  try {
    e = policy.explainCatalog($("feed-path").value, feed);
  } catch (err) {
    const r = refusal(err);
    summary.textContent = `invalid feed: ${r.code} at byte ${r.offset}: ${r.message}`;
    return;
  }
  const rows = [...e.items].sort((a, b) => (a.decision === b.decision ? a.index - b.index : a.decision === "hidden" ? -1 : 1));
  for (const i of rows) {
    const tr = document.createElement("tr");
    tr.dataset.decision = i.decision;
    tr.dataset.rule = i.rule;
    [i.index, i.decision, i.rule, i.code, i.name, i.host ?? i.pattern ?? ""].forEach((t) => cell(tr, t));
    body.append(tr);
  }
  for (const c of e.categories) {
    for (const h of c.hidden) {
      const tr = document.createElement("tr");
      tr.dataset.decision = "hidden";
      tr.dataset.rule = h.rule;
      [`${c.index}.${h.index}`, "hidden", h.rule, h.code, h.name, `top_packages of ${c.code}`].forEach((t) => cell(tr, t));
      body.append(tr);
    }
  }
  const s = e.summary;
  summary.textContent = e.kind === "categories"
    ? `${s.items} categories: ${s.top_packages_kept} top_packages entries kept, ${s.top_packages_dropped} hidden`
    : `${s.items} items: ${s.kept} kept (${s.kept_free} free, ${s.kept_elsewhere} sold elsewhere, ${s.kept_sold} sold by the shop or allowed), ${s.dropped} hidden`;
}

function all() {
  compilePolicy();
  rewrite();
  check();
  entitlement();
  explain();
}

async function loadSample() {
  $("feed").value = await (await fetch("./sample/packages.json")).text();
  $("feed-path").value = "/api/v4/packages";
  sampleLoaded = true;
  explain();
  saveState();
}

async function start() {
  const state = loadState();
  if (state) {
    for (const f of FIELDS) if (typeof state[f] === "string") $(f).value = state[f];
  } else {
    $("policy").value = await (await fetch("./sample/policy.json")).text();
    $("buy-link").value = "https://go.plesk.com/buy-plesk-ext/wordpress-toolkit?kn=PLSK.12345678.0001&token=QUJD&product-id=WPT";
    $("shop-query").value = "extension-id=wordpress-toolkit&kn=PLSK.12345678.0001&token=QUJD&product-id=WPT";
  }
  const on = (id, f) => $(id).addEventListener("input", () => { if (id === "feed") sampleLoaded = false; f(); saveState(); });
  on("policy", all);
  on("buy-link", rewrite);
  on("shop-query", check);
  on("webhook", entitlement);
  on("feed", explain);
  on("feed-path", explain);
  $("load-sample").addEventListener("click", loadSample);
  all();
  if (state?.sample) await loadSample();
  $("engine-status").textContent = "engine ready";
  document.body.dataset.ready = "true";
}

start();

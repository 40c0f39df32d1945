// The rating tablet at a counter (/rate): idle until the officer at this counter finishes a ticket
// (a `state` event on the one event stream), then one question, reasons after a low score, thanks,
// and back to idle after `idle_after_s` without a tap. Vietnamese first; English on a tap, until idle.
"use strict";
const DATA = pageData("rate-data");
const T = DATA.t;
const THANKS_S = 4;
const SCREENS = ["pair", "idle", "ask", "why", "thanks"];
let lang = 0;          // 0: Vietnamese, 1: English
let tablet = null;     // GET /api/v1/tablet
let current = null;    // the ticket asked about
let score = null;
let idleTimer = null;
let source = null;

function tr(key) { return (T[key] || ["", ""])[lang]; }
function show(id) { SCREENS.forEach(s => $("#" + s).classList.toggle("hidden", s !== id)); }
function showErr(text) { $("#err").textContent = text; $("#err").classList.toggle("hidden", !text); }
function paint() {
  document.querySelectorAll("[data-t]").forEach(el => { el.textContent = tr(el.dataset.t); });
  $("#lang").textContent = tr("rate_language");
  document.documentElement.lang = lang ? "en" : "vi";
  if (tablet) document.querySelectorAll("#reasons button").forEach(b => {
    const r = tablet.reasons.find(x => x.code === b.dataset.code);
    b.textContent = lang ? r.name_en : r.name_vi;
  });
  if (current) $("#service").textContent = lang ? current.service_name_en : current.service_name_vi;
  if (tablet) $("#where").textContent = `${tablet.counter_name} · ${T.rate_counter[1]} ${tablet.counter}`;
}
function armIdle(seconds) {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(goIdle, 1000 * (seconds || tablet.idle_after_s));
}
function goIdle() {
  clearTimeout(idleTimer);
  current = null; score = null; lang = 0;
  paint(); show("idle");
}
function showPair() {
  if (source) { source.close(); source = null; }
  tablet = null; paint(); show("pair");
  const code = new URLSearchParams(location.search).get("code");
  if (code) $("#code").value = code;
}
function buildReasons() {
  const box = $("#reasons");
  box.textContent = "";
  tablet.reasons.forEach(r => {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.code = r.code; b.setAttribute("aria-pressed", "false");
    b.onclick = () => { b.setAttribute("aria-pressed", String(b.getAttribute("aria-pressed") !== "true")); armIdle(); };
    box.appendChild(b);
  });
  $("#comment").maxLength = tablet.comment_max_chars;
}
async function ask() {
  let st;
  try { st = await api("GET", "/api/v1/tablet"); }
  catch (e) { if (e.status === 401) showPair(); else showErr(said(e)); return; }
  tablet = st; showErr("");
  if (!st.pending) return;
  current = st.pending; score = null; lang = 0;
  $("#number").textContent = current.number;
  $("#officer").textContent = current.officer;
  $("#officer-line").classList.toggle("hidden", !current.officer);
  paint(); show("ask"); armIdle();
}
function listen() {
  source = new EventSource("/api/v1/events");
  source.addEventListener("state", ev => {
    const d = JSON.parse(ev.data);
    // a replayed event (reconnect) older than the time-out is history: nobody stands there any more
    if (d.state === "done" && d.counter === tablet.counter && !d.reason && (d.age_s || 0) < tablet.idle_after_s) ask();
  });
}
function thanks(key) {
  $("#thanks-text").textContent = tr(key);
  current = null; show("thanks"); armIdle(THANKS_S);
}
async function send() {
  const low = score <= tablet.reasons_at_or_below;
  const body = {
    ticket_id: current.ticket_id, score,
    reasons: low ? [...document.querySelectorAll('#reasons button[aria-pressed="true"]')].map(b => b.dataset.code) : [],
    comment: low ? ($("#comment").value.trim() || null) : null,
  };
  try { await api("POST", "/api/v1/tablet/rating", body); showErr(""); thanks("rate_thanks"); }
  catch (e) {
    if (e.code === "already_rated") thanks("rate_already");
    else if (e.status === 401) showPair();
    else if (e.code === "not_rateable_here") goIdle();
    else { showErr(tr("rate_error")); armIdle(); }
  }
}
document.querySelectorAll(".level").forEach(b => b.onclick = () => {
  score = Number(b.dataset.score);
  if (score <= tablet.reasons_at_or_below) {
    document.querySelectorAll("#reasons button").forEach(x => x.setAttribute("aria-pressed", "false"));
    $("#comment").value = "";
    show("why"); armIdle();
  } else send();
});
$("#send").onclick = send;
$("#comment").oninput = () => armIdle();
$("#lang").onclick = () => {
  lang = 1 - lang; paint();
  if (current) armIdle();
};
$("#pair-form").onsubmit = async ev => {
  ev.preventDefault();
  try {
    await api("POST", "/api/v1/tablets/pair", { code: $("#code").value });
    history.replaceState(null, "", "/rate");
    showErr(""); start();
  } catch (e) { showErr(said(e)); }
};
async function start() {
  try { tablet = await api("GET", "/api/v1/tablet"); }
  catch (e) {
    if (e.status === 401) { showPair(); return; }
    showErr(said(e)); setTimeout(start, 5000); return;
  }
  buildReasons(); goIdle(); listen();
}
paint(); start();

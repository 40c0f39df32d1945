// Counter console: "Pause" asks why (the reasons are the server's [[queueing.pause_reasons]]);
// while paused, a line says why and since when. Loaded before counter.js, whose render() calls
// renderPause(); act() is counter.js's, used only when a reason is tapped.
"use strict";
let pauseReasons = [];

async function pauseState() {
  try {
    const s = await api("GET", "/api/v1/counter/pause");
    pauseReasons = s.reasons;
    return s;
  } catch (e) { return null; }  // signed out meanwhile: counter.js shows the sign-in
}

function reasonName(code) {
  const r = pauseReasons.find(x => x.code === code);
  return r ? [r.name_vi, r.name_en] : [code || "—", code || "—"];
}

async function renderPause(v) {
  const box = $("#pause-info");
  if (v.status !== "paused") { box.classList.add("hidden"); return; }
  const s = await pauseState();
  if (!s || s.status !== "paused") return;
  const [vi, en] = reasonName(s.reason);
  const at = s.since_local ? `, từ ${esc(s.since_local)}` : "";
  const atEn = s.since_local ? `, since ${esc(s.since_local)}` : "";
  box.innerHTML = `Quầy đang tạm dừng: ${esc(vi)}${at}<span class="en">Paused: ${esc(en)}${atEn}</span>`;
  box.classList.remove("hidden");
}

async function askPauseReason() {
  if (!pauseReasons.length) await pauseState();
  const dialog = $("#pause-dialog");
  const list = $("#pause-reasons");
  list.innerHTML = pauseReasons.map(r =>
    `<button type="button" data-reason="${esc(r.code)}">${esc(r.name_vi)}<span class="en">${esc(r.name_en)}</span></button>`).join("");
  for (const b of list.querySelectorAll("button[data-reason]")) {
    b.onclick = () => { dialog.close(); act("/api/v1/counter/pause", { paused: true, reason: b.dataset.reason }); };
  }
  dialog.showModal();
  const first = list.querySelector("button");
  if (first) first.focus();
}

$("#pause-cancel").onclick = () => $("#pause-dialog").close();

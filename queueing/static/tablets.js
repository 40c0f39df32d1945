// Supervisors pair rating tablets to counters (a code shown once), list and revoke them.
"use strict";
const DATA = pageData("tablets-data");
const STATES = { waiting: "Chờ ghép · waiting", expired: "Mã hết hạn · code expired", paired: "Đã ghép · paired",
                 revoked: "Đã thu hồi · revoked" };
// times in the center's zone, whatever the supervisor's PC says
function when(iso) {
  return iso ? new Date(iso).toLocaleString("vi-VN", { timeZone: DATA.timezone, dateStyle: "short", timeStyle: "short" }) : "–";
}
DATA.counters.forEach(c => {
  const o = document.createElement("option"); o.value = c.number; o.textContent = `${c.name} (${c.number})`;
  $("#counter").appendChild(o);
});
function fail(e) { $("#err").textContent = e.message; $("#err").classList.remove("hidden"); }
async function load() {
  let rows;
  try { rows = await api("GET", "/api/v1/tablets"); }
  catch (e) {
    if (e.status === 401 || e.status === 403) {
      $("#manage").classList.add("hidden"); $("#signin").classList.remove("hidden");
      const b = $("#signin-error"); b.textContent = e.status === 403 ? e.message : ""; b.classList.toggle("hidden", e.status !== 403);
      return;
    }
    fail(e); return;
  }
  $("#signin").classList.add("hidden"); $("#manage").classList.remove("hidden"); $("#err").classList.add("hidden");
  const body = $("#list tbody"); body.textContent = "";
  rows.forEach(r => {
    const tr = document.createElement("tr");
    [r.counter, r.label, STATES[r.state] || r.state, when(r.paired_at), when(r.last_seen_at)].forEach(v => {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    });
    const td = document.createElement("td");
    if (r.state !== "revoked") {
      const b = document.createElement("button"); b.className = "warn"; b.dataset.tablet = r.tablet_id;
      b.textContent = "Thu hồi · Revoke";
      b.onclick = async () => { try { await api("DELETE", `/api/v1/tablets/${encodeURIComponent(r.tablet_id)}`); load(); } catch (e) { fail(e); } };
      td.appendChild(b);
    }
    tr.appendChild(td); body.appendChild(tr);
  });
}
$("#pair-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  try {
    const p = await api("POST", "/api/v1/tablets", { counter: Number($("#counter").value), label: $("#label").value });
    $("#pair-code").textContent = p.pair_code; $("#pair-url").textContent = p.pair_url.split("?")[0];
    $("#pair-qr").src = p.pair_qr; $("#code-until").textContent = when(p.code_expires_at);
    $("#code-box").classList.remove("hidden"); load();
  } catch (e) { fail(e); }
});
$("#signin-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  try { await api("POST", "/api/v1/counter/sessions", { staff_id: $("#staff_id").value.trim(), pin: $("#pin").value }); load(); }
  catch (e) { const b = $("#signin-error"); b.textContent = e.message; b.classList.remove("hidden"); }
});
load();

// Remote ticket page for phones: pick an open service, get a ticket, follow it on /t/<id>.
"use strict";
function newKey() { return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()); }
async function load() {
  try {
    const list = await api("GET", "/api/v1/services");
    $("#services").innerHTML = list.map(s => {
      const why = s.open ? `${s.waiting} người đang chờ · ${s.waiting} waiting`
        : s.reason_closed === "cap_reached" ? "Hết số hôm nay · No tickets left today"
        : (s.opens_at ? `Mở lúc ${s.opens_at} · Opens at ${s.opens_at}`
           : s.opens_next ? `Đã đóng, mở lại ${s.opens_next.replace("T", " ")} · Closed until ${s.opens_next.replace("T", " ")}`
           : "Đã đóng · Closed");
      return `<button class="${s.open ? "primary" : ""}" data-code="${esc(s.code)}" ${s.open ? "" : "disabled"}>` +
             `${esc(s.prefix)} · ${esc(s.name_vi)}<span class="en">${esc(s.name_en)} — ${why}</span></button>`;
    }).join("");
    document.querySelectorAll("#services button").forEach(b => b.onclick = () => take(b.dataset.code, b));
  } catch (e) { showErr(e.message); }
}
function showErr(t) { $("#err").textContent = t; $("#err").classList.toggle("hidden", !t); }
async function take(code, btn) {
  btn.disabled = true; showErr("");
  try {
    const t = await api("POST", "/api/v1/tickets", { service: code, channel: "remote" }, { "Idempotency-Key": newKey() });
    location.href = `/t/${t.ticket_id}`;
  } catch (e) { showErr(e.message); btn.disabled = false; }
}
load();

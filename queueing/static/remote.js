// Remote ticket page for phones: pick an open service, get a ticket, follow it on /t/<id>.
"use strict";
// "2026-01-12T07:30+07:00" (the service's opens_next_at, center time) -> [vi, en], read as written:
// the phone's own time zone does not matter.
const DAYS_VI = ["Chủ nhật", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy"];
const DAYS_EN = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
function opensText(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(iso || "");
  if (!m) return null;
  const wd = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay();
  return [`Đã đóng, mở lại ${m[4]} ${DAYS_VI[wd]}, ${m[3]}/${m[2]}`, `Closed until ${DAYS_EN[wd]} ${m[3]}/${m[2]} ${m[4]}`];
}
function newKey() { return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()); }
async function load() {
  try {
    const list = await api("GET", "/api/v1/services");
    $("#services").innerHTML = list.map(s => {
      const why = s.open ? `${s.waiting} người đang chờ · ${s.waiting} waiting`
        : s.reason_closed === "cap_reached" ? "Hết số hôm nay · No tickets left today"
        : (s.opens_at ? `Mở lúc ${s.opens_at} · Opens at ${s.opens_at}`
           : opensText(s.opens_next_at) ? opensText(s.opens_next_at).join(" · ")
           : "Đã đóng · Closed");
      return `<button class="${s.open ? "primary" : ""}" data-code="${esc(s.code)}" ${s.open ? "" : "disabled"}>` +
             `${esc(s.prefix)} · ${esc(s.name_vi)}<span class="en">${esc(s.name_en)} — ${why}</span></button>`;
    }).join("");
    document.querySelectorAll("#services button").forEach(b => b.onclick = () => take(b.dataset.code, b));
  } catch (e) { showErr(said(e)); }
}
function showErr(t) { $("#err").textContent = t; $("#err").classList.toggle("hidden", !t); }
async function take(code, btn) {
  btn.disabled = true; showErr("");
  try {
    const t = await api("POST", "/api/v1/tickets", { service: code, channel: "remote" }, { "Idempotency-Key": newKey() });
    location.href = `/t/${t.ticket_id}`;
  } catch (e) { showErr(said(e)); btn.disabled = false; }
}
load();

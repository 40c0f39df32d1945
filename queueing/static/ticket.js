// Phone status page of one ticket: polls its state; offers a rating when service is done.
"use strict";
const TICKET_ID = pageData("ticket-id");
// [Vietnamese, English] per state; `c` is the counter (called, serving). One register: "quý khách".
const TEXT = {
  pending: () => ["Đang in vé…", "Printing your ticket…"],
  waiting: () => ["Đang chờ", "Waiting"],
  // a no-break space keeps the counter number beside its word on a narrow phone
  called: c => [`Mời quý khách đến quầy\u00a0${c}`, `Please go to counter\u00a0${c}`],
  serving: c => [`Đang được phục vụ tại quầy\u00a0${c}`, `Being served at counter\u00a0${c}`],
  done: () => ["Đã phục vụ xong", "Done"],
  no_show: () => ["Đã qua lượt (vắng mặt) – quý khách vui lòng hỏi tại bàn hướng dẫn",
                  "Missed (no-show) – ask at the information desk"],
  void: () => ["Vé đã huỷ – quý khách vui lòng lấy số mới", "Ticket cancelled – take a new one"],
  transferred: () => ["Đã chuyển sang dịch vụ khác", "Transferred to another service"],
};
function stateText(t) {
  const f = TEXT[t.state];
  return f ? f(t.counter == null ? "" : t.counter) : [t.state, ""];
}
let timer = null, lastState = null;
async function load() {
  try {
    const t = await api("GET", `/api/v1/tickets/${encodeURIComponent(TICKET_ID)}`);
    if (t.state === "transferred" && t.transferred_to) { location.replace(`/t/${t.transferred_to}`); return; }
    $("#err").classList.add("hidden");
    $("#num").textContent = t.number;
    $("#svc").textContent = `${t.service_name_vi} · ${t.service_name_en}`;
    const [vi, en] = stateText(t);
    $("#state").innerHTML = `${esc(vi)} <div class="en">${esc(en)}</div>`;
    $("#detail").innerHTML = t.state === "waiting"
      ? `Trước quý khách còn <b>${t.ahead}</b> người <span class="en">${t.ahead} ahead of you</span><br>Dự kiến chờ: ${waitText(t.wait_min, t.wait_max)}`
      : "";
    $("#rate").classList.toggle("hidden", !t.can_rate);
    if (t.state === "called" && lastState && lastState !== "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
    lastState = t.state;
    if (["done", "no_show", "void"].includes(t.state) && !t.can_rate) { clearInterval(timer); }
    document.title = `${t.number} – ${vi}`;
  } catch (e) {
    $("#err").textContent = said(e); $("#err").classList.remove("hidden");
    if (e.status === 404) clearInterval(timer);
  }
}
document.querySelectorAll("#rate button").forEach(b => b.onclick = async () => {
  try { await api("POST", `/api/v1/tickets/${encodeURIComponent(TICKET_ID)}/rating`, { score: Number(b.dataset.score) });
        $("#rate").innerHTML = "<p>Cảm ơn quý khách! <span class=\"en\">Thank you!</span></p>"; }
  catch (e) { $("#err").textContent = said(e); $("#err").classList.remove("hidden"); }
});
load(); timer = setInterval(load, 5000);

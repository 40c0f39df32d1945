// Counter console: sign in, call/recall/start/finish/no-show/transfer/pause; refreshed by SSE.
"use strict";
let view = null, source = null, busy = false;
const STATE_VI = { called: "Đã gọi, đang chờ công dân đến", serving: "Đang phục vụ" };
const STATE_EN = { called: "Called, waiting for the citizen", serving: "Serving" };

function showError(text) { const m = $("#msg"); m.textContent = text; m.classList.toggle("hidden", !text); }

function render(v) {
  view = v;
  $("#signin").classList.add("hidden"); $("#console").classList.remove("hidden");
  const paused = v.status === "paused";
  $("#who").innerHTML = `${esc(v.counter_name)} · ${esc(v.staff_name)} · ` +
    `<span class="pill status-${esc(v.status)}">${paused ? "Tạm dừng · Paused" : "Đang mở · Open"}</span>`;
  const c = v.current;
  $("#cur-num").textContent = c ? c.number : "—";
  $("#cur-info").innerHTML = c
    ? `${esc(c.service_name_vi)} · ${esc(STATE_VI[c.state] || c.state)} <span class="en">${esc(STATE_EN[c.state] || "")}</span>` +
      (c.priority ? ` <span class="pill prio">${esc(c.priority_name_vi || c.priority)}</span>` : "") +
      (c.call_count > 1 ? ` <span class="pill">gọi ${c.call_count} lần <span class="en">called ${c.call_count}×</span></span>` : "") +
      (c.appointment_start ? ` <span class="pill appt">Lịch hẹn ${esc(c.appointment_start.slice(11, 16))} <span class="en">appointment</span></span>` : "")
    : `Chưa gọi ai <span class="en">Nobody called</span>`;
  const called = c && c.state === "called", serving = c && c.state === "serving";
  $("#btn-next").disabled = paused || called;
  $("#btn-recall").disabled = !called;
  $("#btn-start").disabled = !called;
  $("#btn-finish").disabled = !c;
  $("#btn-noshow").disabled = !called;
  $("#btn-transfer").disabled = !c;
  $("#btn-call").disabled = paused || called;
  $("#btn-pause").innerHTML = paused ? 'Tiếp tục<span class="en">Resume</span>' : 'Tạm dừng<span class="en">Pause</span>';
  renderPause(v);  // counter_pause.js: the pause's reason and since when
  const sel = $("#transfer-to");
  if (!sel.options.length) {
    for (const s of v.services) sel.add(new Option(`${s.name_vi} (${s.name_en})`, s.code));
  }
  $("#queues").innerHTML = v.waiting.map(w =>
    `<h3><span>${esc(w.name_vi)} <span class="en">${esc(w.name_en)}</span></span><span class="pill" data-service="${esc(w.service)}">${w.count}</span></h3>` +
    (w.next.length ? "<ol>" + w.next.map(t => `<li>${esc(t.number)}${t.priority ? ' <span class="pill prio">ưu tiên</span>' : ""}${t.appointment ? ` <span class="pill appt">hẹn ${esc(t.appointment)}</span>` : ""} <span class="en">${t.waited_min}′</span></li>`).join("") + "</ol>"
                   : `<div class="en">Không có ai chờ · nobody waiting</div>`)).join("");
  renderHelp(v.help_requests || []);
}

// Kiosks whose citizen pressed "Call staff": a banner each; "On my way" takes it off every console.
function renderHelp(calls) {
  const box = $("#help-calls");
  box.innerHTML = calls.map(h =>
    `<div class="help-call" data-kiosk="${esc(h.kiosk)}"><div>Kiosk ${esc(h.kiosk)} cần hỗ trợ (màn hình ${esc(h.screen)})` +
    `<span class="en">Kiosk ${esc(h.kiosk)} needs help (screen ${esc(h.screen)})</span></div>` +
    `<button class="go" data-ack="${esc(h.kiosk)}">Tôi đến hỗ trợ<span class="en">On my way</span></button></div>`).join("");
  box.classList.toggle("hidden", !calls.length);
  for (const b of box.querySelectorAll("button[data-ack]")) {
    b.onclick = () => act(`/api/v1/counter/help/${encodeURIComponent(b.dataset.ack)}/ack`);
  }
}

async function refresh() {
  try { render(await api("GET", "/api/v1/counter")); }
  catch (e) {
    if (e.status === 401 || e.code === "no_counter") { showSignIn(); }
    else showError(e.message);
  }
}

function showSignIn(text, canTakeOver) {
  $("#console").classList.add("hidden"); $("#signin").classList.remove("hidden"); $("#who").textContent = "";
  const box = $("#signin-error"); box.textContent = text || ""; box.classList.toggle("hidden", !text);
  $("#btn-takeover").classList.toggle("hidden", !canTakeOver);
  $("#help-calls").classList.add("hidden");
  if (source) { source.close(); source = null; }
}

async function act(path, body) {
  if (busy) return;
  busy = true; showError("");
  try { await api("POST", path, body); }
  catch (e) {
    if (e.status === 401) { showSignIn(e.message); busy = false; return; }
    showError(e.message);
  }
  busy = false;
  await refresh();
}

function listen() {
  if (source) source.close();
  source = new EventSource("/api/v1/events");
  let timer = null;
  const kick = () => { clearTimeout(timer); timer = setTimeout(refresh, 150); };
  for (const kind of ["issued", "called", "state", "waiting", "counter", "kiosk_help"]) source.addEventListener(kind, kick);
  source.onopen = kick;
}

// A counter someone else is signed in to answers 409 counter_taken; a supervisor gets a
// "take over" button that signs in again with take_over: true (recorded on the server).
async function signIn(takeOver) {
  const body = { staff_id: $("#staff_id").value.trim(), pin: $("#pin").value, counter: Number($("#counter").value) };
  if (takeOver) body.take_over = true;
  try { await api("POST", "/api/v1/counter/sessions", body); $("#pin").value = ""; showSignIn(); await refresh(); listen(); }
  catch (e) {
    if (e.code === "counter_taken") {
      showSignIn(e.message, Boolean(e.data && e.data.can_take_over));
    } else showSignIn(e.message);
  }
}
$("#signin-form").addEventListener("submit", ev => { ev.preventDefault(); signIn(false); });
$("#btn-takeover").onclick = () => signIn(true);
$("#counter").addEventListener("change", () => $("#btn-takeover").classList.add("hidden"));
$("#btn-next").onclick = () => act("/api/v1/counter/call-next");
$("#btn-recall").onclick = () => act("/api/v1/counter/recall");
$("#btn-start").onclick = () => act("/api/v1/counter/start");
$("#btn-finish").onclick = () => act("/api/v1/counter/finish");
$("#btn-noshow").onclick = () => act("/api/v1/counter/no-show");
// Pausing asks why first (counter_pause.js); resuming does not.
$("#btn-pause").onclick = () => view && view.status === "paused" ? act("/api/v1/counter/pause", { paused: false }) : askPauseReason();
$("#btn-call").onclick = () => { const n = $("#call-number").value.trim(); if (n) act("/api/v1/counter/call", { number: n }); };
$("#call-number").addEventListener("keydown", ev => { if (ev.key === "Enter") $("#btn-call").click(); });
$("#btn-transfer").onclick = () => act("/api/v1/counter/transfer", { service: $("#transfer-to").value });
$("#btn-signout").onclick = async () => {
  try { await api("DELETE", "/api/v1/counter/sessions/current"); showSignIn(); }
  catch (e) { showError(e.message); }
};
refresh().then(() => { if (view) listen(); });

// Booking page for phones: service -> day -> free time -> phone number -> the booking's page.
"use strict";
const data = pageData("book-data");
const T = data.t;
const pick = { service: null, day: null, start: null };
function two(key, fill) {
  const f = s => s.replace(/\{(\w+)\}/g, (_, k) => (fill && k in fill ? fill[k] : `{${k}}`));
  return `${esc(f(T[key][0]))}<span class="en">${esc(f(T[key][1]))}</span>`;
}
function showErr(t) { $("#err").textContent = t || ""; $("#err").classList.toggle("hidden", !t); }
function choose(container, btn) {
  container.querySelectorAll("button").forEach(b => b.classList.toggle("primary", b === btn));
}
function renderServices() {
  if (!data.services.length) { $("#services").innerHTML = `<p class="no-slots">${two("book_none")}</p>`; return; }
  $("#services").innerHTML = data.services.map(s =>
    `<button type="button" data-code="${esc(s.code)}">${esc(s.name_vi)}<span class="en">${esc(s.name_en)}</span></button>`
  ).join("");
  $("#services").querySelectorAll("button").forEach(b => b.onclick = () => {
    choose($("#services"), b);
    pick.service = data.services.find(s => s.code === b.dataset.code);
    pick.day = pick.start = null;
    $("#step-slot").classList.add("hidden"); $("#step-phone").classList.add("hidden");
    renderDays();
  });
}
function renderDays() {
  $("#days").innerHTML = pick.service.days.map(d =>
    `<button type="button" data-day="${esc(d.day)}">${esc(d.label_vi)}<span class="en">${esc(d.label_en)}</span></button>`
  ).join("");
  $("#days").querySelectorAll("button").forEach(b => b.onclick = () => { choose($("#days"), b); loadSlots(b.dataset.day); });
  $("#step-day").classList.remove("hidden");
}
async function loadSlots(day, keepErr) {
  pick.day = day; pick.start = null;
  if (!keepErr) showErr("");
  $("#step-phone").classList.add("hidden");
  try {
    const list = await api("GET", `/api/v1/services/${encodeURIComponent(pick.service.code)}/slots?day=${day}`);
    const open = list.filter(s => s.free > 0);
    $("#slots").innerHTML = open.length ? open.map(s =>
      `<button type="button" data-start="${esc(s.start)}">${esc(s.start.slice(11, 16))}` +
      `<span class="en">${two("book_free", { n: s.free })}</span></button>`).join("")
      : `<p class="no-slots">${two("book_no_slots")}</p>`;
    $("#slots").querySelectorAll("button").forEach(b => b.onclick = () => {
      choose($("#slots"), b); pick.start = b.dataset.start;
      $("#step-phone").classList.remove("hidden"); $("#phone").focus();
    });
    $("#step-slot").classList.remove("hidden");
  } catch (e) { showErr(said(e)); }
}
$("#step-phone").addEventListener("submit", async ev => {
  ev.preventDefault(); showErr("");
  const btn = $("#submit"); btn.disabled = true;
  const body = { service: pick.service.code, start: pick.start, phone: $("#phone").value };
  const id = $("#id_number").value.trim();
  if (id) body.id_number = id;
  try {
    const booked = await api("POST", "/api/v1/appointments", body);
    location.href = new URL(booked.manage_url, location.href).pathname;
  } catch (e) {
    showErr(said(e)); btn.disabled = false;
    if (e.code === "slot_full" || e.code === "not_a_slot") loadSlots(pick.day, true);  // the list without the slot just taken
  }
});
renderServices();

// A booking's page: cancel from the link.
"use strict";
const cancelBtn = document.getElementById("cancel");
if (cancelBtn) cancelBtn.onclick = async () => {
  cancelBtn.disabled = true;
  try {
    await api("POST", `/api/v1/appointments/manage/${encodeURIComponent(pageData("booking-token"))}/cancel`);
    location.reload();
  } catch (e) {
    $("#err").textContent = said(e); $("#err").classList.remove("hidden"); cancelBtn.disabled = false;
  }
};
// Move to another free time: day -> free time -> confirm; the page comes back at the new time.
const moveOpen = document.getElementById("move-open");
if (moveOpen) {
  const M = pageData("move-data");
  const T = M.t;
  const token = pageData("booking-token");
  let target = null;
  const two = (key, fill) => {
    const f = s => s.replace(/\{(\w+)\}/g, (_, k) => (fill && k in fill ? fill[k] : `{${k}}`));
    return `${esc(f(T[key][0]))}<span class="en">${esc(f(T[key][1]))}</span>`;
  };
  const showErr = t => {  // above the list of times, where the citizen looks
    const box = $("#move-err");
    box.textContent = t || ""; box.classList.toggle("hidden", !t);
    if (t) box.scrollIntoView({ block: "center" });
  };
  const choose = (box, btn) => box.querySelectorAll("button").forEach(b => b.classList.toggle("primary", b === btn));
  async function loadSlots(day, keepErr) {
    target = null; $("#move-submit").classList.add("hidden");
    if (!keepErr) showErr("");
    try {
      const list = await api("GET", `/api/v1/services/${encodeURIComponent(M.service)}/slots?day=${day}`);
      const open = list.filter(s => s.free > 0 && s.start !== M.start);
      $("#move-slots").innerHTML = open.length ? open.map(s =>
        `<button type="button" data-start="${esc(s.start)}">${esc(s.start.slice(11, 16))}` +
        `<span class="en">${two("book_free", { n: s.free })}</span></button>`).join("")
        : `<p class="no-slots">${two("book_no_slots")}</p>`;
      $("#move-slots").querySelectorAll("button").forEach(b => b.onclick = () => {
        choose($("#move-slots"), b); target = b.dataset.start;
        const when = { time: target.slice(11, 16), day: `${target.slice(8, 10)}/${target.slice(5, 7)}` };
        $("#move-submit").innerHTML = two("book_move_confirm", when);
        $("#move-submit").classList.remove("hidden");
        $("#move-submit").scrollIntoView({ block: "center" });
      });
    } catch (e) { showErr(said(e)); }
  }
  moveOpen.onclick = () => {
    moveOpen.classList.add("hidden"); $("#move").classList.remove("hidden");
    $("#move-days").innerHTML = M.days.map(d =>
      `<button type="button" data-day="${esc(d.day)}">${esc(d.label_vi)}<span class="en">${esc(d.label_en)}</span></button>`
    ).join("");
    $("#move-days").querySelectorAll("button").forEach(b => b.onclick = () => { choose($("#move-days"), b); loadSlots(b.dataset.day); });
  };
  $("#move-submit").onclick = async () => {
    const btn = $("#move-submit"); btn.disabled = true; showErr("");
    try {
      await api("POST", `/api/v1/appointments/manage/${encodeURIComponent(token)}/move`, { start: target });
      location.href = `${location.pathname}?moved=1`;
    } catch (e) {
      showErr(said(e)); btn.disabled = false;
      if (e.code === "slot_full" || e.code === "not_a_slot") loadSlots($("#move-days .primary").dataset.day, true);
    }
  };
}

// Reports page: a day's figures per service/counter/staff, a bar chart of mean waits, CSV export.
"use strict";
const COLS = [["label", "Nhóm · Group"], ["issued", "Phát · Issued"], ["served", "Xong · Served"],
  ["no_show", "Vắng · No-show"], ["transferred", "Chuyển · Transf."], ["wait_mean_min", "Chờ TB · Wait mean"],
  ["wait_p90_min", "Chờ p90 · Wait p90"], ["service_mean_min", "Phục vụ TB · Service mean"],
  ["service_p90_min", "Phục vụ p90 · Service p90"], ["over_target_pct", "% chờ quá hạn · % over target"],
  ["estimate_mae_min", "Sai số ước tính · Estimate error"], ["rating_mean", "Hài lòng · Rating"]];
// The day is typed and shown as dd/mm/yyyy whatever the browser's language; the API takes yyyy-mm-dd.
function isoDay(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const [d, mo, y] = [+m[1], +m[2], +m[3]];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return dt.toISOString().slice(0, 10);
}
function shownDay(iso) { const [y, m, d] = iso.split("-"); return `${d}/${m}/${y}`; }
const BAD_DAY = "Ngày phải có dạng ngày/tháng/năm, ví dụ 05/01/2026. / Type the day as dd/mm/yyyy, e.g. 05/01/2026.";
function params() {
  const d = isoDay($("#day").value);
  return (d ? `day=${d}&` : "") + `group=${$("#group").value}`;
}
function showErr(text) { $("#err").textContent = text; $("#err").classList.toggle("hidden", !text); }
function dayChanged() {
  const typed = $("#day").value.trim();
  if (typed && !isoDay(typed)) { $("#day").setAttribute("aria-invalid", "true"); showErr(BAD_DAY); return; }
  $("#day").removeAttribute("aria-invalid");
  if (typed) $("#day").value = shownDay(isoDay(typed));  // 5/1/2026 -> 05/01/2026
  load();
}
function stepDay(delta) {
  const iso = isoDay($("#day").value);
  if (!iso) { showErr(BAD_DAY); return; }
  const dt = new Date(iso + "T00:00:00Z");
  dt.setUTCDate(dt.getUTCDate() + delta);
  $("#day").value = shownDay(dt.toISOString().slice(0, 10));
  dayChanged();
}
async function load() {
  try {
    const r = await api("GET", `/api/v1/reports?${params()}`);
    if (!$("#day").value) $("#day").value = shownDay(r.day);   // the center's local day, not the browser's
    $("#signin").classList.add("hidden"); $("#report").classList.remove("hidden"); $("#err").classList.add("hidden");
    $("#csv").href = `/api/v1/reports?${params()}&format=csv`;
    loadCounterTime(r.day);  // counter_time_report.js
    $("#table").innerHTML = "<tr>" + COLS.map(c => `<th>${c[1]}</th>`).join("") + "</tr>" +
      r.rows.map(row => "<tr>" + COLS.map(c => `<td>${row[c[0]] == null ? "–" : esc(row[c[0]])}</td>`).join("") + "</tr>").join("");
    const rows = r.rows.filter(x => x.group !== "all");
    const max = Math.max(1, ...rows.map(x => x.wait_mean_min || 0));
    $("#bars").innerHTML = rows.map(x => `<div class="bar"><span class="name">${esc(x.label)}</span>` +
      `<div class="fill" style="width:${Math.round(300 * (x.wait_mean_min || 0) / max)}px"></div><span>${x.wait_mean_min ?? "–"}</span></div>`).join("");
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      $("#report").classList.add("hidden"); $("#signin").classList.remove("hidden");
      const b = $("#signin-error"); b.textContent = e.status === 403 ? e.message : ""; b.classList.toggle("hidden", e.status !== 403);
    }
    else { $("#err").textContent = e.message; $("#err").classList.remove("hidden"); }
  }
}
$("#signin-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  try { await api("POST", "/api/v1/counter/sessions", { staff_id: $("#staff_id").value.trim(), pin: $("#pin").value }); load(); }
  catch (e) { const b = $("#signin-error"); b.textContent = e.message; b.classList.remove("hidden"); }
});
$("#day").onchange = dayChanged; $("#group").onchange = load;
$("#day").addEventListener("keydown", ev => { if (ev.key === "Enter") dayChanged(); });
$("#day-prev").onclick = () => stepDay(-1); $("#day-next").onclick = () => stepDay(1);
load();

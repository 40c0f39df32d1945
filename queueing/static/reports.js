// Reports page: a day's figures per service/counter/staff, a bar chart of mean waits, CSV export.
"use strict";
const COLS = [["label", "Nhóm · Group"], ["issued", "Phát · Issued"], ["served", "Xong · Served"],
  ["no_show", "Vắng · No-show"], ["transferred", "Chuyển · Transf."], ["wait_mean_min", "Chờ TB · Wait mean"],
  ["wait_p90_min", "Chờ p90"], ["service_mean_min", "Phục vụ TB · Service mean"], ["service_p90_min", "Phục vụ p90"],
  ["over_target_pct", "% chờ quá hạn"], ["estimate_mae_min", "Sai số ước tính"], ["rating_mean", "Hài lòng · Rating"]];
function params() { const d = $("#day").value; return (d ? `day=${d}&` : "") + `group=${$("#group").value}`; }
async function load() {
  try {
    const r = await api("GET", `/api/v1/reports?${params()}`);
    if (!$("#day").value) $("#day").value = r.day;   // the center's local day, not the browser's
    $("#signin").classList.add("hidden"); $("#report").classList.remove("hidden"); $("#err").classList.add("hidden");
    $("#csv").href = `/api/v1/reports?${params()}&format=csv`;
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
$("#day").onchange = load; $("#group").onchange = load;
load();

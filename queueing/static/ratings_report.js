// Satisfaction report (supervisors): per officer, counter, service or day; reasons ranked; the
// citizens' comments, always put in as text (never as HTML).
"use strict";
const COLS = [["label", "Nhóm · Group"], ["served", "Đã phục vụ · Served"], ["rated", "Đánh giá · Rated"],
  ["rated_pct", "% được đánh giá · % rated"], ["very_satisfied", "Rất hài lòng · Very satisfied"],
  ["satisfied", "Hài lòng · Satisfied"], ["neutral", "Bình thường · Neutral"], ["dissatisfied", "Không hài lòng · Dissatisfied"],
  ["very_dissatisfied", "Rất không hài lòng · Very dissatisfied"], ["satisfied_pct", "% hài lòng · % satisfied"],
  ["score_mean", "Điểm TB (1-5) · Mean"], ["tablet", "Máy tại quầy · Tablet"], ["phone", "Điện thoại · Phone"]];
let today = null;  // the center's local day, from the first answer (never the browser's)
function shown(iso) { const [y, m, d] = iso.split("-"); return `${d}/${m}/${y}`; }
function params() {
  if (!today) return `group=${$("#group").value}`;
  const start = new Date(today + "T00:00:00Z");
  start.setUTCDate(start.getUTCDate() - (Number($("#days").value) - 1));
  return `start=${start.toISOString().slice(0, 10)}&end=${today}&group=${$("#group").value}`;
}
function cells(tr, values, tag) {
  values.forEach(v => { const td = document.createElement(tag); td.textContent = v == null ? "–" : v; tr.appendChild(td); });
}
function table(el, head, rows) {
  el.textContent = "";
  const h = document.createElement("tr"); cells(h, head, "th"); el.appendChild(h);
  rows.forEach(r => { const tr = document.createElement("tr"); cells(tr, r, "td"); el.appendChild(tr); });
}
async function load() {
  try {
    const r = await api("GET", `/api/v1/reports/ratings?${params()}`);
    today = today || r.end;
    $("#signin").classList.add("hidden"); $("#report").classList.remove("hidden"); $("#err").classList.add("hidden");
    $("#span").textContent = r.start === r.end ? shown(r.end) : `${shown(r.start)} – ${shown(r.end)}`;
    $("#csv").href = `/api/v1/reports/ratings?${params()}&format=csv`;
    table($("#table"), COLS.map(c => c[1]), r.rows.map(row => COLS.map(c => row[c[0]])));
    $("#reasons").textContent = "";
    r.reasons.forEach(x => { const li = document.createElement("li"); li.textContent = `${x.name_vi} · ${x.name_en}: ${x.count}`; $("#reasons").appendChild(li); });
    table($("#comments"), ["Ngày · Day", "Quầy · Counter", "Cán bộ · Officer", "Điểm · Score", "Ý kiến · Comment"],
      r.comments.map(c => [shown(c.day), c.counter, c.staff_id, c.score, c.comment]));
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      $("#report").classList.add("hidden"); $("#signin").classList.remove("hidden");
      const b = $("#signin-error"); b.textContent = e.status === 403 ? e.message : ""; b.classList.toggle("hidden", e.status !== 403);
    } else { $("#err").textContent = e.message; $("#err").classList.remove("hidden"); }
  }
}
$("#signin-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  try { await api("POST", "/api/v1/counter/sessions", { staff_id: $("#staff_id").value.trim(), pin: $("#pin").value }); load(); }
  catch (e) { const b = $("#signin-error"); b.textContent = e.message; b.classList.remove("hidden"); }
});
$("#days").onchange = load; $("#group").onchange = load;
load();

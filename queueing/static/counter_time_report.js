// Reports page: the day's time per officer and counter (open, paused by reason, idle while
// citizens waited), under the day's figures. reports.js calls loadCounterTime(day) after each load.
"use strict";
async function loadCounterTime(day) {
  const table = $("#counter-time");
  try {
    const r = await api("GET", `/api/v1/reports/counter-time?day=${day}`);
    $("#ct-csv").href = `/api/v1/reports/counter-time?day=${day}&format=csv`;
    const num = v => v == null ? "–" : esc(v);
    // a reason no longer configured (or "unspecified") still gets its column
    const known = new Set(r.reasons.map(x => x.code));
    const extra = [...new Set(r.rows.flatMap(x => Object.keys(x.paused_by_reason_min)))].filter(c => !known.has(c));
    const reasons = r.reasons.concat(extra.map(c => ({ code: c, name_vi: c, name_en: c })));
    const cols = [["staff_name", "Cán bộ · Officer"], ["counter", "Quầy · Counter"], ["open_min", "Mở quầy · Open"],
      ["paused_min", "Tạm dừng · Paused"]];
    const head = cols.map(c => `<th>${c[1]}</th>`).join("") +
      reasons.map(x => `<th>${esc(x.name_vi)} · ${esc(x.name_en)}</th>`).join("") +
      "<th>Rảnh khi có người chờ · Idle while citizens waited</th><th>% rảnh · % idle</th>";
    table.innerHTML = `<tr>${head}</tr>` + r.rows.map(row => "<tr>" +
      cols.map(c => `<td>${num(row[c[0]])}</td>`).join("") +
      reasons.map(x => `<td>${num(row.paused_by_reason_min[x.code] ?? 0)}</td>`).join("") +
      `<td>${num(row.idle_waiting_min)}</td><td>${num(row.idle_waiting_pct)}</td></tr>`).join("");
  } catch (e) {
    table.innerHTML = `<tr><td class="error">${esc(e.message)}</td></tr>`;
  }
}

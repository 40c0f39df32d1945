// A center's trends: by day, week or month; a small bar chart of tickets issued above the table;
// below, the last day's appointments and ratings (its summary).
"use strict";
(function () {
  const center = document.getElementById("center").dataset.center;
  const body = document.querySelector("#trends tbody");
  const chart = document.getElementById("chart");
  let by = "day";

  function periodText(start) {
    if (by === "month") return start.slice(0, 7);
    if (by === "week") return (Hub.lang === "vi" ? "Tuần từ " : "Week of ") + start;
    return start;
  }

  function drawChart(rows) {
    chart.textContent = "";
    const most = Math.max(1, ...rows.map(function (r) { return r.tickets_issued; }));
    for (const r of rows) {
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.height = Math.round((r.tickets_issued / most) * 100) + "%";
      bar.title = periodText(r.start) + ": " + r.tickets_issued;
      chart.append(bar);
    }
  }

  async function load() {
    const path = "/api/v1/centers/" + encodeURIComponent(center) + "/trends?by=" + by;
    const r = await Hub.get(path);
    if (!r) return;
    if (r.status === 404) { document.getElementById("unknown").hidden = false; return; }
    const data = await r.json();
    document.getElementById("center-name").textContent = data.name + " (" + data.center_id + ")";
    document.title = data.name + " – " + Hub.t("trends");
    document.getElementById("day").textContent = data.first + " – " + data.last;
    document.getElementById("target").textContent = Hub.t("wait_target").replace("{n}", data.wait_target_min);
    body.textContent = "";
    const rows = data.rows.slice().reverse();  // newest first in the table
    for (const row of rows) {
      const tr = document.createElement("tr");
      tr.dataset.start = row.start;
      tr.append(
        Hub.cell(periodText(row.start)),
        Hub.cell(String(row.tickets_issued)),
        Hub.cell(String(row.tickets_served)),
        Hub.cell(row.mean_wait_s === null ? "–" : (row.mean_wait_s / 60).toFixed(1)),
        Hub.cell(Hub.percent(row.share_over_target)),
        Hub.cell(Hub.fixed(row.mean_rating, 1)),
        Hub.cell(String(row.deposits_loaded)),
        Hub.cell(String(row.deposits_collected)),
        Hub.cell(String(row.counter_openings)),
        Hub.cell(row.counter_hours.toFixed(1))
      );
      body.append(tr);
    }
    drawChart(data.rows);
    loadToday(data.last);
  }

  // the last day's appointments and ratings, from the center's summary
  async function loadToday(day) {
    const r = await Hub.get("/api/v1/centers/" + encodeURIComponent(center) + "/summary?day=" + day);
    if (!r || !r.ok) return;
    const s = await r.json();
    document.getElementById("today-day").textContent = "(" + s.day + ")";
    const levels = ["5", "4", "3", "2", "1"].map(function (k) { return s.ratings_by_level[k] || 0; });
    const reasons = s.rating_reasons.map(function (x) { return x.reason + " " + x.n; });
    const figures = [
      ["appointments_booked", String(s.appointments_booked)],
      ["appointments_checked_in", String(s.appointments_checked_in)],
      ["appointments_no_show", String(s.appointments_no_show)],
      ["checkin_rate", Hub.percent(s.checkin_rate)],
      ["punctual_share", Hub.percent(s.punctual_share)],
      ["ratings_by_level", levels.join(" · ")],
      ["rating_reasons", reasons.length ? reasons.join(", ") : "–"],
    ];
    const tbody = document.querySelector("#today-figures tbody");
    tbody.textContent = "";
    for (const [key, value] of figures) {
      const tr = document.createElement("tr");
      tr.dataset.key = key;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = Hub.t(key);
      tr.append(th, Hub.cell(value));
      tbody.append(tr);
    }
  }

  for (const button of document.querySelectorAll("button.by")) {
    button.addEventListener("click", function () {
      by = button.dataset.by;
      for (const b of document.querySelectorAll("button.by")) b.setAttribute("aria-pressed", String(b === button));
      load();
    });
  }
  document.querySelector('[data-csv="trends"]').addEventListener("click", function () {
    Hub.download("/api/v1/centers/" + encodeURIComponent(center) + "/trends.csv?by=" + by,
                 center + "-" + by + ".csv");
  });
  Hub.start(load);
})();

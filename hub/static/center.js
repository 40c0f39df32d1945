// A center's trends: by day, week or month; a small bar chart of tickets issued above the table.
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
        Hub.cell(String(row.deposits_collected))
      );
      body.append(tr);
    }
    drawChart(data.rows);
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

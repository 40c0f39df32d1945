// Province overview: one API call, a sortable table, each center linked to its page.
"use strict";
(function () {
  const table = document.getElementById("overview");
  const body = table.querySelector("tbody");
  const empty = document.getElementById("empty");
  let rows = [];
  let day = "";
  let sortKey = "center";
  let ascending = true;

  function value(row, key) {
    if (key === "center") return row.name;
    if (key === "mean_wait_min") return row.mean_wait_s === null ? -1 : row.mean_wait_s / 60;
    for (const k of ["mean_rating", "waiting_now", "share_over_target"]) {
      if (key === k) return row[k] === null ? -1 : row[k];
    }
    if (key === "last_seen") return row.last_seen || "";
    if (key === "lockers_in_use") return row.locker_occupancy === null ? -1 : row.locker_occupancy;
    return row[key];
  }

  // "in use / in service (NN %)", and how many are out of service; a dash without a locker
  function occupancy(r) {
    if (r.lockers_total === null || r.lockers_total === undefined) return "–";
    const inService = r.lockers_total - (r.lockers_out_of_service || 0);
    const nb = (text) => text.replace(/ /g, "\u00a0");  // the cell breaks only before "·"
    let text = nb(r.lockers_in_use + " / " + inService + " (" + Hub.percent(r.locker_occupancy) + ")");
    if (r.lockers_out_of_service) text += " · " + nb(r.lockers_out_of_service + " " + Hub.t("out_of_service_short"));
    return text;
  }

  function render() {
    rows.sort(function (a, b) {
      const x = value(a, sortKey), y = value(b, sortKey);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? c : -c;
    });
    body.textContent = "";
    for (const r of rows) {
      const tr = document.createElement("tr");
      tr.dataset.center = r.center_id;
      const name = Hub.cell("");
      const link = document.createElement("a");
      link.href = "/centers/" + encodeURIComponent(r.center_id) + "?lang=" + Hub.lang;
      link.textContent = r.name + " (" + r.center_id + ")";
      name.append(link);
      tr.append(
        name,
        Hub.cell(Hub.t(r.status), r.status),
        Hub.cell(r.waiting_now === null ? "–" : String(r.waiting_now)),
        Hub.cell(String(r.tickets_issued)),
        Hub.cell(String(r.tickets_served)),
        Hub.cell(r.mean_wait_s === null ? "–" : (r.mean_wait_s / 60).toFixed(1)),
        Hub.cell(Hub.percent(r.share_over_target)),
        Hub.cell(Hub.fixed(r.mean_rating, 1)),
        Hub.cell(String(r.alarms_open), r.alarms_open > 0 ? "alarm" : ""),
        Hub.cell(Hub.when(r.last_seen)),
        Hub.cell(String(r.results_waiting)),
        Hub.cell(occupancy(r), r.locker_occupancy === null ? "" : "occupancy")
      );
      body.append(tr);
    }
    for (const th of table.querySelectorAll("th")) {
      th.setAttribute("aria-sort", th.dataset.key === sortKey ? (ascending ? "ascending" : "descending") : "none");
    }
    table.hidden = rows.length === 0;
    empty.hidden = rows.length !== 0;
  }

  async function load() {
    const r = await Hub.get("/api/v1/overview");
    if (!r) return;
    const data = await r.json();
    day = data.day;
    document.getElementById("day").textContent = data.day;
    rows = data.centers;
    render();
  }

  for (const th of table.querySelectorAll("th")) {
    const sort = function () {
      ascending = sortKey === th.dataset.key ? !ascending : true;
      sortKey = th.dataset.key;
      render();
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") sort(); });
  }
  document.querySelector('[data-csv="overview"]').addEventListener("click", function () {
    Hub.download("/api/v1/overview.csv" + (day ? "?day=" + day : ""), "tong-quan-" + (day || "hom-nay") + ".csv");
  });
  Hub.start(load);
})();

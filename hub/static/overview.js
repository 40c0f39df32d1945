// Province overview: a reader token typed once per tab (sessionStorage), one API call, a sortable table.
"use strict";
(function () {
  const KEY = "hubReaderToken";
  const form = document.getElementById("signin");
  const table = document.getElementById("overview");
  const body = table.querySelector("tbody");
  const error = document.getElementById("error");
  const empty = document.getElementById("empty");
  const signout = document.getElementById("signout");
  let rows = [];
  let sortKey = "center";
  let ascending = true;

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function value(row, key) {
    if (key === "center") return row.name;
    if (key === "mean_wait_min") return row.mean_wait_s === null ? -1 : row.mean_wait_s / 60;
    if (key === "mean_rating") return row.mean_rating === null ? -1 : row.mean_rating;
    if (key === "waiting_now") return row.waiting_now === null ? -1 : row.waiting_now;
    if (key === "last_seen") return row.last_seen || "";
    return row[key];
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
      tr.append(
        cell(r.name + " (" + r.center_id + ")"),
        cell(table.dataset[r.status] || r.status, r.status),
        cell(r.waiting_now === null ? "–" : String(r.waiting_now)),
        cell(String(r.tickets_issued)),
        cell(String(r.tickets_served)),
        cell(r.mean_wait_s === null ? "–" : (r.mean_wait_s / 60).toFixed(1)),
        cell(r.mean_rating === null ? "–" : r.mean_rating.toFixed(1)),
        cell(String(r.alarms_open), r.alarms_open > 0 ? "alarm" : ""),
        cell(r.last_seen ? new Date(r.last_seen).toLocaleString("vi-VN") : "–")
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
    const token = sessionStorage.getItem(KEY);
    if (!token) {
      form.hidden = false;
      return;
    }
    const r = await fetch("/api/v1/overview", { headers: { Authorization: "Bearer " + token } });
    if (r.status === 401 || r.status === 403) {
      sessionStorage.removeItem(KEY);
      form.hidden = false;
      error.hidden = false;
      return;
    }
    const data = await r.json();
    document.getElementById("day").textContent = data.day;
    rows = data.centers;
    form.hidden = true;
    signout.hidden = false;
    render();
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, document.getElementById("token").value.trim());
    error.hidden = true;
    load();
  });
  signout.addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    location.reload();
  });
  for (const th of table.querySelectorAll("th")) {
    const sort = function () {
      ascending = sortKey === th.dataset.key ? !ascending : true;
      sortKey = th.dataset.key;
      render();
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") sort(); });
  }
  load();
  setInterval(function () { if (sessionStorage.getItem(KEY)) load(); }, 30000);
})();

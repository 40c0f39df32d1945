// Fleet alarms (open first, with when each started and ended) and devices not ok.
"use strict";
(function () {
  const alarmBody = document.querySelector("#alarms tbody");
  const deviceBody = document.querySelector("#devices tbody");

  function centerCell(id, name) {
    const td = Hub.cell("");
    const a = document.createElement("a");
    a.href = "/centers/" + encodeURIComponent(id) + "?lang=" + Hub.lang;
    a.textContent = name + " (" + id + ")";
    td.append(a);
    return td;
  }

  async function load() {
    const r = await Hub.get("/api/v1/alarms");
    if (!r) return;
    const alarms = await r.json();
    alarmBody.textContent = "";
    for (const a of alarms) {
      const tr = document.createElement("tr");
      tr.dataset.center = a.center_id;
      tr.dataset.kind = a.kind;
      tr.className = a.open ? "open" : "ended";
      tr.append(
        centerCell(a.center_id, a.name),
        Hub.cell(Hub.t("alarm." + a.kind)),
        Hub.cell(Hub.when(a.started_at)),
        Hub.cell(Hub.when(a.ended_at)),
        Hub.cell(Hub.t(a.open ? "open" : "closed"), a.open ? "alarm" : ""),
        Hub.cell(String(a.minutes))
      );
      alarmBody.append(tr);
    }
    document.getElementById("no-alarms").hidden = alarms.length !== 0;
    const d = await Hub.get("/api/v1/devices?not_ok=true");
    if (!d) return;
    const devices = await d.json();
    deviceBody.textContent = "";
    for (const x of devices) {
      const tr = document.createElement("tr");
      tr.dataset.center = x.center_id;
      tr.dataset.device = x.device;
      tr.append(
        centerCell(x.center_id, x.name),
        Hub.cell(Hub.t(x.status), x.status),
        Hub.cell(x.device),
        Hub.cell(Hub.t("state." + x.state), "alarm"),
        Hub.cell(Hub.when(x.since))
      );
      deviceBody.append(tr);
    }
    document.getElementById("no-devices").hidden = devices.length !== 0;
  }

  document.querySelector('[data-csv="alarms"]').addEventListener("click", function () {
    Hub.download("/api/v1/alarms.csv", "canh-bao.csv");
  });
  document.querySelector('[data-csv="devices"]').addEventListener("click", function () {
    Hub.download("/api/v1/devices.csv", "thiet-bi.csv");
  });
  Hub.start(load);
})();

// The catalogue editor: a supervisor signs in (name, PIN, authenticator code; the session token
// stays in this tab's sessionStorage), edits the catalogue for all centers or one center's
// override, and saves it with the version read (the hub refuses a save over a newer change).
// For a center the page shows what the center serves (the merge) and saves only what differs
// from the province's: a service's changed fields, removed services, changed weekdays, holidays
// added and removed (docs/hub.md "Central catalogue").
"use strict";
(function () {
  const KEY = "hubSupervisorToken";
  const T = JSON.parse(document.getElementById("texts").textContent);
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const $ = (id) => document.getElementById(id);
  const form = $("signin");
  const editor = $("editor");
  const scopeSelect = $("scope");
  const result = $("result");
  let all = null;      // the province's catalogue as read: {version, document}
  let current = null;  // the scope being edited: {scope, version, document}
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  function token() { return sessionStorage.getItem(KEY); }

  async function api(method, path, body) {
    const headers = { Authorization: "Bearer " + token() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (r.status === 401 || r.status === 403) {
      sessionStorage.removeItem(KEY);
      showSignIn(T.session_ended);
      throw new Error("signed out");
    }
    return r;
  }

  function showSignIn(message) {
    editor.hidden = true;
    form.hidden = false;
    $("who").hidden = $("signout").hidden = true;
    const error = $("signin-error");
    error.hidden = !message;
    error.textContent = message || "";
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "–" : String(text);
    if (cls) td.className = cls;
    return td;
  }

  function input(field, value) {
    const el = document.createElement("input");
    el.dataset.field = field;
    el.value = value === undefined || value === null ? "" : String(value);
    if (field === "daily_cap_tickets") el.inputMode = "numeric";
    return el;
  }

  function serviceRow(service) {
    const tr = document.createElement("tr");
    tr.dataset.service = JSON.stringify(service);  // keeps the fields this page does not show
    for (const f of ["code", "name_vi", "name_en", "prefix", "daily_cap_tickets"]) {
      const td = document.createElement("td");
      td.append(input(f, service[f]));
      tr.append(td);
    }
    const td = document.createElement("td");
    const del = document.createElement("button");
    del.type = "button";
    del.className = "remove";
    del.textContent = T.remove;
    del.addEventListener("click", () => tr.remove());
    td.append(del);
    tr.append(td);
    return tr;
  }

  function fill(key, value) {
    if (key === "services") {
      const body = $("services").querySelector("tbody");
      body.textContent = "";
      for (const s of value || []) body.append(serviceRow(s));
    } else if (key === "hours") {
      for (const el of $("hours").querySelectorAll("input")) el.value = ((value || {})[el.dataset.day] || []).join(", ");
    } else {
      $("holidays").value = (value || []).join("\n");
    }
  }

  function collect(key) {
    if (key === "services") {
      return Array.from($("services").querySelectorAll("tbody tr")).map((tr) => {
        const s = JSON.parse(tr.dataset.service);
        for (const el of tr.querySelectorAll("input")) {
          const v = el.value.trim();
          s[el.dataset.field] = el.dataset.field === "daily_cap_tickets" && /^\d+$/.test(v) ? Number(v) : v;
        }
        return s;
      });
    }
    if (key === "hours") {
      const hours = {};
      for (const el of $("hours").querySelectorAll("input")) {
        hours[el.dataset.day] = el.value.split(",").map((p) => p.trim()).filter((p) => p);
      }
      return hours;
    }
    return $("holidays").value.split("\n").map((d) => d.trim()).filter((d) => d);
  }

  function sections() { return Array.from(editor.querySelectorAll("section[data-key]")); }

  function setOwn(section, own) {
    section.classList.toggle("inherited", !own);
    for (const el of section.querySelectorAll("input:not([type=checkbox]), textarea, button")) el.disabled = !own;
    section.querySelector(".own input").checked = own;
  }

  function centerPath(scope) { return "/api/v1/catalogue/centers/" + encodeURIComponent(scope); }

  async function loadScope(scope) {
    result.textContent = "";
    result.className = "";
    const isAll = scope === "*";
    const r = await api("GET", isAll ? "/api/v1/catalogue/all" : centerPath(scope));
    current = await r.json();
    const doc = current.document || {};
    let shown = all.document || {};
    if (!isAll) {
      const merged = await (await api("GET", centerPath(scope) + "/merged")).json();
      showMerged(merged.document, merged.problem);
      if (merged.document) shown = merged.document;
    }
    $("merged").hidden = $("merge-rule").hidden = isAll;
    $("version").textContent = T.version + ": " + current.version;
    $("none-yet").hidden = !!all.document;
    $("remove-override").hidden = isAll || !current.document;
    for (const section of sections()) {
      const key = section.dataset.key;
      const own = isAll || key in doc || (key === "holidays" && "holidays_removed" in doc);
      section.querySelector(".own").hidden = isAll;
      fill(key, own ? shown[key] : (all.document || {})[key]);
      setOwn(section, own);
    }
  }

  // A center's override: what its own parts differ from the province's catalogue.
  function override() {
    const base = all.document || {};
    const out = {};
    for (const section of sections()) {
      if (!section.querySelector(".own input").checked) continue;
      const key = section.dataset.key;
      const value = collect(key);
      if (key === "services") {
        const province = new Map((base.services || []).map((s) => [s.code, s]));
        const patches = [];
        for (const s of value) {
          const p = province.get(s.code);
          if (!p) { patches.push(s); continue; }  // the center's own service: whole
          const patch = { code: s.code };
          for (const f of Object.keys(s)) if (f !== "code" && !same(s[f], p[f])) patch[f] = s[f];
          if (Object.keys(patch).length > 1) patches.push(patch);
        }
        const kept = new Set(value.map((s) => s.code));
        for (const code of province.keys()) if (!kept.has(code)) patches.push({ code: code, removed: true });
        if (patches.length) out.services = patches;
      } else if (key === "hours") {
        const days = {};
        for (const d of DAYS) if (!same(value[d], (base.hours || {})[d] || [])) days[d] = value[d];
        if (Object.keys(days).length) out.hours = days;
      } else {
        const province = base.holidays || [];
        const added = value.filter((d) => !province.includes(d));
        const removed = province.filter((d) => !value.includes(d));
        if (added.length || !removed.length) out.holidays = added;
        if (removed.length) out.holidays_removed = removed;
      }
    }
    return out;
  }

  // What the center gets: services, hours and holidays after the merge (or why there is none).
  function showMerged(doc, problem) {
    const problemEl = $("merged-problem");
    problemEl.hidden = !problem;
    problemEl.textContent = problem || "";
    // what differs from the province's is marked: a field, a service of the center's own, a
    // province service removed here (struck through), a weekday
    const base = all.document || {};
    const province = new Map((base.services || []).map((s) => [s.code, s]));
    const tbody = $("merged-services").querySelector("tbody");
    tbody.textContent = "";
    const fields = ["code", "name_vi", "name_en", "prefix", "daily_cap_tickets"];
    const shown = (doc && doc.services) || [];
    for (const s of shown) {
      const tr = document.createElement("tr");
      tr.dataset.code = s.code;
      const p = province.get(s.code);
      if (!p) tr.className = "differs";
      for (const f of fields) tr.append(cell(s[f], p && !same(s[f], p[f]) ? "differs" : ""));
      tbody.append(tr);
    }
    if (doc) {
      const kept = new Set(shown.map((s) => s.code));
      for (const p of base.services || []) {
        if (kept.has(p.code)) continue;
        const tr = document.createElement("tr");
        tr.dataset.code = p.code;
        tr.className = "removed";
        tr.title = T.removed_here;
        for (const f of fields) tr.append(cell(p[f]));
        tbody.append(tr);
      }
    }
    const hours = $("merged-hours");
    hours.textContent = "";
    for (const d of DAYS) {
      const li = document.createElement("li");
      const periods = ((doc && doc.hours) || {})[d] || [];
      li.textContent = T[d] + ": " + (periods.length ? periods.join(", ") : T.closed);
      if (doc && !same(periods, (base.hours || {})[d] || [])) li.className = "differs";
      hours.append(li);
    }
    $("merged-holidays").textContent = doc ? (doc.holidays.length ? doc.holidays.join(", ") : "–") : "";
  }

  async function preview() {
    const r = await api("POST", centerPath(scopeSelect.value) + "/preview", { document: override() });
    const body = await r.json();
    if (r.ok) showMerged(body.document, null);
    else showMerged(null, T.not_saved + ": " + body.message);
  }

  async function loadLists() {
    const centers = await (await api("GET", "/api/v1/catalogue/centers")).json();
    const tbody = $("centers").querySelector("tbody");
    tbody.textContent = "";
    const chosen = scopeSelect.value || "*";
    scopeSelect.textContent = "";
    scopeSelect.append(new Option(T.scope_all, "*"));
    for (const c of centers) {
      scopeSelect.append(new Option(c.name + " (" + c.center_id + ")", c.center_id));
      const tr = document.createElement("tr");
      tr.dataset.center = c.center_id;
      let outcome = c.outcome ? T[c.outcome] : T.never;
      if (c.outcome === "applied") outcome = c.etag === c.serves_etag ? T.up_to_date : T.pending;
      if (c.outcome === "refused" && c.etag !== c.serves_etag) outcome = T.pending;
      tr.append(
        cell(c.name + " (" + c.center_id + ")"),
        cell(c.override ? T.yes : T.no),
        cell(outcome, c.outcome || ""),
        cell(c.reason || ""),
        cell(c.at ? new Date(c.at).toLocaleString("vi-VN") : null)
      );
      tbody.append(tr);
    }
    scopeSelect.value = chosen;
    const audit = await (await api("GET", "/api/v1/catalogue/audit?limit=30")).json();
    const abody = $("audit").querySelector("tbody");
    abody.textContent = "";
    for (const a of audit) {
      const tr = document.createElement("tr");
      tr.append(
        cell(new Date(a.at).toLocaleString("vi-VN")),
        cell(a.actor),
        cell(T["action_" + a.action] || a.action),
        cell(a.scope === "*" ? T.scope_all : a.scope),
        cell(a.version),
        cell(a.detail)
      );
      abody.append(tr);
    }
  }

  async function load() {
    if (!token()) return showSignIn("");
    try {
      all = await (await api("GET", "/api/v1/catalogue/all")).json();
      form.hidden = true;
      editor.hidden = false;
      $("who").hidden = $("signout").hidden = false;
      $("who").textContent = T.signed_in_as + " " + (sessionStorage.getItem(KEY + "Name") || "");
      await loadLists();
      await loadScope(scopeSelect.value);
    } catch (err) {
      if (err.message !== "signed out") throw err;
    }
  }

  async function save() {
    const scope = scopeSelect.value;
    let document_ = {};
    if (scope === "*") {
      for (const section of sections()) document_[section.dataset.key] = collect(section.dataset.key);
    } else {
      document_ = override();
    }
    const path = scope === "*" ? "/api/v1/catalogue/all" : centerPath(scope);
    const r = await api("PUT", path, { document: document_, base_version: current.version });
    const body = await r.json();
    if (r.ok) {
      all = await (await api("GET", "/api/v1/catalogue/all")).json();
      await loadLists();
      await loadScope(scope);
      result.className = "ok";
      result.textContent = T.saved + " " + body.version;
    } else {
      result.className = "error";
      result.textContent = T.not_saved + ": " + body.message;
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await fetch("/api/v1/supervisor/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: $("sv-name").value.trim(), pin: $("sv-pin").value, totp: $("sv-totp").value.trim() }),
    });
    $("sv-pin").value = $("sv-totp").value = "";
    if (!r.ok) return showSignIn(T.bad_signin);
    const s = await r.json();
    sessionStorage.setItem(KEY, s.token);
    sessionStorage.setItem(KEY + "Name", s.name);
    await load();
  });
  $("signout").addEventListener("click", async () => {
    await fetch("/api/v1/supervisor/sign-out", { method: "POST", headers: { Authorization: "Bearer " + token() } });
    sessionStorage.removeItem(KEY);
    showSignIn("");
  });
  scopeSelect.addEventListener("change", () => loadScope(scopeSelect.value));
  for (const section of sections()) {
    section.querySelector(".own input").addEventListener("change", (ev) => setOwn(section, ev.target.checked));
  }
  $("add-service").addEventListener("click", () => {
    $("services").querySelector("tbody").append(serviceRow({ code: "", name_vi: "", name_en: "", prefix: "", daily_cap_tickets: 0 }));
  });
  $("save").addEventListener("click", save);
  $("preview").addEventListener("click", preview);
  $("remove-override").addEventListener("click", async () => {
    const scope = scopeSelect.value;
    const r = await api("POST", "/api/v1/catalogue/centers/" + encodeURIComponent(scope) + "/remove", { base_version: current.version });
    const body = await r.json();
    result.className = r.ok ? "ok" : "error";
    result.textContent = r.ok ? T.saved + " " + body.version : T.not_saved + ": " + body.message;
    if (r.ok) { await loadLists(); await loadScope(scope); }
  });
  load();
})();

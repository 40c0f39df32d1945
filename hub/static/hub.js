// Shared by the hub's pages: the reader token (asked once per tab, kept in sessionStorage), API
// reads with it, CSV downloads with it (a header cannot ride on a plain link), texts, cells.
"use strict";
window.Hub = (function () {
  const KEY = "hubReaderToken";
  const T = JSON.parse(document.getElementById("texts").textContent);
  const lang = document.body.dataset.lang;
  const locale = lang === "vi" ? "vi-VN" : "en-GB";
  const timeZone = document.body.dataset.tz;  // the province's, whatever the browser's
  const form = document.getElementById("signin");
  const error = document.getElementById("error");
  const signout = document.getElementById("signout");
  const content = document.getElementById("content");

  function t(key) { return Object.prototype.hasOwnProperty.call(T, key) ? T[key] : key; }

  function askToken(wrong) {
    form.hidden = false;
    error.hidden = !wrong;
    content.hidden = true;
    signout.hidden = true;
  }

  // The API's answer, or null when there is no token or it was refused (the form is shown).
  async function get(path) {
    const token = sessionStorage.getItem(KEY);
    if (!token) { askToken(false); return null; }
    const r = await fetch(path, { headers: { Authorization: "Bearer " + token } });
    if (r.status === 401 || r.status === 403) {
      sessionStorage.removeItem(KEY);
      askToken(true);
      return null;
    }
    form.hidden = true;
    signout.hidden = false;
    content.hidden = false;
    return r;
  }

  async function download(path, filename) {
    const r = await get(path);
    if (!r || !r.ok) return;
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function when(iso) {
    if (!iso) return "–";
    return new Date(iso).toLocaleString(locale, { timeZone: timeZone, year: "numeric", month: "2-digit",
                                                  day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  function fixed(x, digits) { return x === null || x === undefined ? "–" : x.toFixed(digits); }
  function percent(x) { return x === null || x === undefined ? "–" : Math.round(x * 100) + " %"; }

  // Run `load` now, after a token is typed, and every 30 s.
  function start(load) {
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
    load();
    setInterval(function () { if (sessionStorage.getItem(KEY)) load(); }, 30000);
  }

  return { t: t, get: get, download: download, cell: cell, when: when, fixed: fixed, percent: percent,
           lang: lang, start: start };
})();

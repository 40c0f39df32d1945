// Shared helpers of the queueing pages: JSON calls with clear error text.
"use strict";
async function api(method, path, body, headers) {
  const opts = { method, headers: Object.assign({ "Accept": "application/json" }, headers || {}),
                 credentials: "same-origin" };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let res;
  try { res = await fetch(path, opts); }
  catch (e) { const err = new Error("Mất kết nối tới máy chủ. Connection to the server lost."); err.code = "offline"; throw err; }
  const type = res.headers.get("content-type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    const err = new Error((data && data.message) || ("HTTP " + res.status));
    err.code = (data && data.error) || "http_" + res.status; err.status = res.status; err.data = data;
    throw err;
  }
  return data;
}
function $(sel) { return document.querySelector(sel); }
// Values a page template hands its script: a JSON data block (the CSP runs no inline script).
function pageData(id) { return JSON.parse(document.getElementById(id).textContent); }
function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c])); }
function waitText(min, max) {
  if (min == null || max == null) return "Chưa ước tính được <span class=\"en\">No estimate yet</span>";
  return `${min}–${max} phút <span class="en">${min}–${max} min</span>`;
}

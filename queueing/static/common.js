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
// What a citizen's page shows for an error: the service's own message for a refusal (bilingual,
// says what to do), never a technical one: a server fault, a proxy's page or a lost connection
// becomes one plain sentence that says where to go instead.
const TROUBLE = "Hệ thống lấy số đang gặp sự cố. Xin quý khách lấy số tại máy ở sảnh hoặc hỏi cán bộ tại quầy. " +
  "/ The queue system has a problem. Please take a number at the kiosk in the hall or ask at a counter.";
function said(e) {
  if (!e || e.code === "offline" || (e.status && e.status >= 500) || String(e.code || "").startsWith("http_")) return TROUBLE;
  return e.message || TROUBLE;
}
function $(sel) { return document.querySelector(sel); }
// Values a page template hands its script: a JSON data block (the CSP runs no inline script).
function pageData(id) { return JSON.parse(document.getElementById(id).textContent); }
function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c])); }
function waitText(min, max) {
  if (min == null || max == null) return "Chưa ước tính được <span class=\"en\">No estimate yet</span>";
  return `${min}–${max} phút <span class="en">${min}–${max} min</span>`;
}

// Display board: snapshot + server-sent events with sequence numbers; voice through one queue.
"use strict";
const cfg = pageData("board-config");
const voice = new VoiceQueue("/static/voice");
// sound: "checking" until the page knows, then "on", "off" (the browser waits for a tap) or "disabled"
const board = window.board = { connected: false, lastSeq: 0, calls: [], waiting: {}, services: [], events: 0,
                               sound: "checking" };
let source = null, reconnectTimer = null;

function tick() {
  const d = new Date();
  // the center's time zone, whatever the board computer is set to
  $("#clock").textContent = d.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: cfg.tz });
}
setInterval(tick, 1000); tick();

function renderCalls() {
  const calls = board.calls.slice(0, cfg.recent);
  $("#calls").innerHTML = calls.map(c =>
    `<tr><td>${esc(c.number)}</td><td class="ctr">${esc(c.counter)}</td></tr>`).join("");
  const top = calls[0];
  $("#latest-num").textContent = top ? top.number : "—";
  $("#latest-ctr").innerHTML = top ? `đến quầy · counter <b>${esc(top.counter)}</b>` : "&nbsp;";
  const svc = top && board.services.find(s => s.code === top.service);
  $("#latest-svc").textContent = svc ? `${svc.name_vi} · ${svc.name_en}` : "";
}
function renderWaiting() {
  $("#waiting").innerHTML = board.services.map(s =>
    `<span class="chip">${esc(s.prefix)} · ${esc(s.name_vi)} <b class="n" data-service="${esc(s.code)}">${board.waiting[s.code] || 0}</b></span>`).join("");
}
function setConnected(on) { board.connected = on; $("#conn").classList.toggle("off", !on); }

function onCalled(data) {
  board.calls = [{ number: data.number, counter: data.counter, service: data.service },
                 ...board.calls.filter(c => c.number !== data.number)].slice(0, 30);
  if (data.waiting) Object.assign(board.waiting, data.waiting);
  renderCalls(); renderWaiting();
  // catch-up after a reconnect is shown, not spoken (age by the server's clock when given)
  const fresh = (data.age_s != null ? data.age_s : Date.now() / 1000 - data.at) < 60;
  if (!fresh) return;
  const el = $("#latest"); el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash");
  $("#ticker").textContent = data.text_vi + (cfg.english ? " · " + data.text_en : "");
  if (cfg.voice && data.voice) {
    const clips = cfg.english && data.voice_en ? data.voice.concat(data.voice_en) : data.voice;
    voice.say({ number: data.number, counter: data.counter, clips,
                onstart: () => { $("#ticker").textContent = data.text_vi; },
                onend: () => {
                  document.body.dataset.spoken = voice.log.length;
                  console.info(`board: spoke ${data.number} counter ${data.counter}`);
                } });
    showSound();
  }
}
function handle(kind, ev) {
  const data = JSON.parse(ev.data);
  board.lastSeq = Math.max(board.lastSeq, data.seq); board.events += 1;
  if (kind === "called") onCalled(data);
  else if (data.waiting) { Object.assign(board.waiting, data.waiting); renderWaiting(); }
  if (kind === "state" && (data.state === "transferred" || data.state === "no_show" || data.state === "waiting")) {
    board.calls = board.calls.filter(c => c.number !== data.number || c.counter !== data.counter); renderCalls();
  }
}

async function connect() {
  clearTimeout(reconnectTimer);
  if (source) { source.close(); source = null; }
  try {
    const st = await api("GET", "/api/v1/display/state");
    board.calls = st.calls; board.waiting = st.waiting; board.services = st.services;
    board.lastSeq = st.seq; renderCalls(); renderWaiting();
  } catch (e) { setConnected(false); reconnectTimer = setTimeout(connect, 2000); return; }
  source = new EventSource(`/api/v1/events?since=${board.lastSeq}`);
  source.onopen = () => setConnected(true);
  source.onerror = () => {
    setConnected(false);
    // The browser retries by itself (with Last-Event-ID); if it gave up, start over with a fresh snapshot.
    if (source && source.readyState === EventSource.CLOSED) reconnectTimer = setTimeout(connect, 2000);
  };
  for (const kind of ["called", "issued", "state", "waiting", "counter"]) {
    source.addEventListener(kind, ev => handle(kind, ev));
  }
}
// Sound state, shown so staff notice: a wall screen started as the README says plays sound at
// once; an ordinary browser blocks audio until someone taps, so the board says so in a banner.
let soundKnown = false;   // false until the load-time autoplay check has answered
function showSound() {
  if (!soundKnown) return;
  const off = cfg.voice && voice.blocked;
  const state = !cfg.voice ? "disabled" : (off ? "off" : "on");
  if (state !== board.sound) console.info(`board: sound ${state}`);
  board.sound = document.body.dataset.sound = state;
  $("#sound").classList.toggle("hidden", !off);
  document.body.classList.toggle("sound-off", off);
}
async function enableSound() {
  try { await voice.unlock(); } catch (e) { console.warn("sound:", e.message); }
  showSound();
}
$("#sound").onclick = enableSound;
voice.onblocked = n => { console.info(`board: sound off, ${n} announcement(s) wait for a tap`); showSound(); };
// any tap or key on the board turns sound on (a gesture is what the browser waits for)
for (const kind of ["pointerdown", "keydown"]) {
  document.addEventListener(kind, () => { if (board.sound === "off") enableSound(); });
}
window.addEventListener("load", async () => {
  if (cfg.voice) {
    try {
      await voice.tryStart();
      voice.ctx.onstatechange = () => showSound();  // e.g. the audio device went away and came back
    } catch (e) { console.warn("sound:", e.message); /* no audio device: shown as off */ }
  }
  soundKnown = true;
  showSound();
});
connect();

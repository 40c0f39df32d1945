// One sequential voice queue: announcements never overlap; clips of one announcement play back to back.
"use strict";
class VoiceQueue {
  constructor(base) {
    this.base = base; this.ctx = null; this.cache = new Map(); this.queue = []; this.playing = false;
    this.log = [];               // {number, counter, start, end} per finished announcement (for tests)
    this.maxAgeMs = 60000;       // an announcement older than this when its turn comes is skipped
    this.rate = 1;               // playback speed (tests speed it up)
    this.gapMs = 400;            // a breath between announcements
    this.onblocked = null;       // called with the queue length when sound is off and items wait
  }
  ensureContext() {
    if (!this.ctx) { const C = window.AudioContext || window.webkitAudioContext; this.ctx = new C(); }
    return this.ctx;
  }
  get blocked() { return !this.ctx || this.ctx.state !== "running"; }
  async unlock() { await this.ensureContext().resume(); this.pump(); }
  // Resume the audio context, waiting at most waitMs: without a user gesture (and without
  // Chromium's --autoplay-policy=no-user-gesture-required) resume() stays pending, so a bare
  // await would hang. True when sound can play.
  async resumeWithin(waitMs) {
    const ctx = this.ensureContext();
    if (ctx.state !== "running") {
      await Promise.race([ctx.resume().catch(() => {}), new Promise(r => setTimeout(r, waitMs))]);
    }
    return ctx.state === "running";
  }
  // Try to start sound without a click (the board does this on load).
  async tryStart(waitMs = 500) {
    const ok = await this.resumeWithin(waitMs);
    if (ok) this.pump();
    return ok;
  }
  async clip(name) {
    if (!this.cache.has(name)) {
      this.cache.set(name, (async () => {
        const res = await fetch(`${this.base}/${name}.wav`);
        if (!res.ok) throw new Error(`clip ${name}: HTTP ${res.status}`);
        return await this.ensureContext().decodeAudioData(await res.arrayBuffer());
      })());
    }
    return this.cache.get(name);
  }
  say(item) { item.queuedAt = Date.now(); this.queue.push(item); this.pump(); }
  playBuffer(buf) {
    return new Promise(resolve => {
      const src = this.ctx.createBufferSource(); src.buffer = buf; src.playbackRate.value = this.rate;
      src.connect(this.ctx.destination);
      src.onended = resolve; src.start();
    });
  }
  async pump() {
    if (this.playing) return;
    this.playing = true;
    try {
      while (this.queue.length) {
        if (!(await this.resumeWithin(500))) {         // kept in the queue until sound is enabled
          if (this.onblocked) this.onblocked(this.queue.length);
          break;
        }
        const item = this.queue.shift();
        if (Date.now() - item.queuedAt > this.maxAgeMs) continue;
        const start = performance.now();
        if (item.onstart) item.onstart(item);
        for (const name of item.clips) {
          try { await this.playBuffer(await this.clip(name)); }
          catch (e) { console.warn("voice:", e.message); }
        }
        await new Promise(r => setTimeout(r, this.gapMs / this.rate));
        this.log.push({ number: item.number, counter: item.counter, start, end: performance.now() });
        if (item.onend) item.onend(item);
      }
    } finally { this.playing = false; }
  }
}
window.VoiceQueue = VoiceQueue;

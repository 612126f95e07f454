"""The 60 + 30 minute session timer: counts in the browser, so the script never reruns for a tick.

Start, pause and reset happen in the page (JavaScript); the state is kept in the browser's localStorage
under the timer's key, so a rerun, a page switch or a reload picks up where it was. When the session
has a start time on the server and this browser has no state yet, the timer runs from that time.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

import streamlit as st

_TEMPLATE = """
<div class="cop-timer" id="box" data-key="__KEY__">
  <div class="part"><span id="part">Part 1 of 2: discussion</span><span class="long" id="long"></span></div>
  <div class="row">
    <div class="clock" id="clock" aria-live="off">--:--</div>
    <div class="side">
      <div class="sub" id="sub"></div>
      <div class="buttons">
        <button id="go" type="button">Start</button>
        <button id="reset" type="button">Reset</button>
      </div>
    </div>
  </div>
  <div class="bar"><div class="fill1" id="fill1"></div><div class="fill2" id="fill2"></div></div>
</div>
<style>
  html, body { margin: 0; padding: 0; background: transparent; }
  .cop-timer { font-family: "Source Sans Pro", "Segoe UI", Arial, sans-serif; color: #10323f;
    border: 3px solid #1f6f8b; border-radius: 14px; padding: 8px 14px; box-sizing: border-box;
    background: #eef6f9; overflow: hidden; }
  .cop-timer.second { border-color: #6a4c93; background: #f3effa; }
  .cop-timer.warn .clock { color: #a85a00; }
  .cop-timer.over { border-color: #b00020; background: #fde8ea; }
  .cop-timer.over .clock { color: #b00020; }
  .part { font-size: clamp(15px, 2.4vw, 24px); font-weight: 700; white-space: nowrap; overflow: hidden;
    text-overflow: ellipsis; }
  .row { display: flex; align-items: center; gap: 4px 18px; flex-wrap: wrap; }
  .clock { font-size: clamp(48px, 20vw, 110px); font-weight: 800; line-height: 1.05;
    font-variant-numeric: tabular-nums; letter-spacing: 1px; }
  .side { display: flex; flex-direction: column; gap: 8px; min-width: 0; }
  .sub { font-size: clamp(13px, 1.8vw, 18px); color: #35515c; }
  .buttons { display: flex; gap: 8px; flex-wrap: wrap; }
  button { font-size: 17px; font-weight: 600; padding: 7px 16px; border-radius: 8px; cursor: pointer;
    border: 2px solid #1f6f8b; background: #1f6f8b; color: #fff; min-height: 40px; }
  button#reset { background: #fff; color: #1f6f8b; }
  button#reset.armed { background: #b00020; border-color: #b00020; color: #fff; }
  .bar { display: flex; height: 12px; margin-top: 6px; border-radius: 6px; overflow: hidden;
    background: #d9e6ea; }
  .fill1 { background: #1f6f8b; width: 0; } .fill2 { background: #6a4c93; width: 0; }
  @media (max-width: 520px) {
    .row { gap: 10px; } .side { gap: 6px; } button { padding: 6px 10px; font-size: 15px; }
    .long { display: none; }
  }
</style>
<script>
(function () {
  const KEY = "cop-timer:" + __KEY_JSON__;
  const FIRST = __FIRST__ * 60000, SECOND = __SECOND__ * 60000;
  const SERVER_START = __START__;
  let memory = null;
  function load() {
    try { const raw = window.localStorage.getItem(KEY); if (raw) return JSON.parse(raw); } catch (e) {}
    return memory;
  }
  function save(state) {
    memory = state;
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) {}
  }
  let state = load();
  if (!state) {
    state = SERVER_START ? { since: SERVER_START, banked: 0 } : { since: null, banked: 0 };
  }
  const $ = (id) => document.getElementById(id);
  const pad = (n) => String(n).padStart(2, "0");
  function fmt(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s % 60);
  }
  function elapsed() { return state.banked + (state.since ? Date.now() - state.since : 0); }
  function render() {
    const e = elapsed(), box = $("box");
    let part, more, left, cls;
    if (e < FIRST) {
      part = "Part 1 of 2: discussion"; more = " of the priority challenges (__FIRST__ min)";
      left = FIRST - e; cls = left <= 5 * 60000 ? "warn" : "";
    } else if (e < FIRST + SECOND) {
      part = "Part 2 of 2: planning"; more = " and any other business (__SECOND__ min)";
      left = FIRST + SECOND - e; cls = "second" + (left <= 5 * 60000 ? " warn" : "");
    } else {
      part = "Overtime"; more = ": the __TOTAL__ minutes are over";
      left = e - FIRST - SECOND; cls = "over";
    }
    box.className = "cop-timer " + cls;
    $("part").textContent = part;
    $("long").textContent = more;
    $("clock").textContent = (cls === "over" ? "+" : "") + fmt(left);
    const status = state.since ? "running" : (e > 0 ? "paused" : "not started");
    $("sub").textContent = fmt(e) + " of __TOTAL__:00 used · " + status;
    $("go").textContent = state.since ? "Pause" : (e > 0 ? "Resume" : "Start");
    $("fill1").style.width = (Math.min(e, FIRST) / (FIRST + SECOND) * 100) + "%";
    $("fill2").style.width = (Math.max(0, Math.min(e - FIRST, SECOND)) / (FIRST + SECOND) * 100) + "%";
  }
  $("go").addEventListener("click", function () {
    if (state.since) { state = { since: null, banked: elapsed() }; }
    else { state = { since: Date.now(), banked: state.banked }; }
    save(state); render();
  });
  let armed = null;
  $("reset").addEventListener("click", function () {
    const btn = $("reset");
    if (!armed) {
      // A second press within three seconds resets: one stray tap must not lose the session's time.
      btn.classList.add("armed"); btn.textContent = "Tap again to reset";
      armed = setTimeout(function () {
        armed = null; btn.classList.remove("armed"); btn.textContent = "Reset";
      }, 3000);
      return;
    }
    clearTimeout(armed); armed = null; btn.classList.remove("armed"); btn.textContent = "Reset";
    state = { since: null, banked: 0 }; save(state); render();
  });
  window.addEventListener("storage", function (ev) {
    if (ev.key === KEY) { state = load() || state; render(); }
  });
  render();
  setInterval(render, 250);
})();
</script>
"""


def timer_html(
    started_at: datetime | None, *, key: str, first_minutes: int = 60, second_minutes: int = 30
) -> str:
    """The timer's self-contained HTML and JavaScript (separate from rendering, so it can be tested)."""
    start_ms = "null"
    if started_at is not None:
        aware = started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)
        start_ms = str(int(aware.timestamp() * 1000))
    values = {
        "__KEY_JSON__": json.dumps(key).replace("</", "<\\/"),
        "__KEY__": html.escape(key, quote=True),
        "__FIRST__": str(int(first_minutes)),
        "__SECOND__": str(int(second_minutes)),
        "__TOTAL__": str(int(first_minutes) + int(second_minutes)),
        "__START__": start_ms,
    }
    out = _TEMPLATE
    for placeholder, value in values.items():
        out = out.replace(placeholder, value)
    return out


def session_timer(
    started_at: datetime | None, *, key: str, first_minutes: int = 60, second_minutes: int = 30
) -> None:
    """Show the timer; `key` names this session's timer (its state lives in the browser under it)."""
    # The HTML is ours alone (the key is escaped): st.iframe runs it in a same-origin frame.
    st.iframe(
        timer_html(started_at, key=key, first_minutes=first_minutes, second_minutes=second_minutes),
        height="content",  # measured from the HTML: no empty band on a phone, nothing cut on a projector
    )

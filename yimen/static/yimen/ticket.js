/* The citizen's live ticket page: position and estimated wait keep updating; when the ticket is
   called, the window number shows at once, with a sound and vibration if the citizen allowed it. */
(function () {
  "use strict";
  var root = document.querySelector(".ticket-live");
  if (!root) return;
  var token = root.getAttribute("data-token");
  var statusUrl = root.getAttribute("data-status-url");
  var audio = null, alerts = false, pending = null;
  function $(sel) { return root.querySelector(sel); }

  function beep() {
    if (!audio) return;
    [0, 0.35, 0.7].forEach(function (t) {
      var o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = 880; o.connect(g); g.connect(audio.destination);
      g.gain.setValueAtTime(0.5, audio.currentTime + t);
      g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + t + 0.3);
      o.start(audio.currentTime + t); o.stop(audio.currentTime + t + 0.3);
    });
  }
  function render(s) {
    var box = $("[data-state]");
    box.className = "ticket-state state-" + s.state;
    $("[data-state-text]").textContent = s.state_label;
    var win = $("[data-window]");
    if (s.window && (s.state === "called" || s.state === "serving" || s.state === "held")) {
      win.textContent = root.getAttribute("data-called-text").replace("{window}", s.window);
      win.hidden = false;
    } else { win.hidden = true; }
    var facts = $("[data-waiting-facts]");
    facts.hidden = s.state !== "waiting";
    $("[data-ahead]").textContent = s.people_ahead;
    $("[data-wait]").textContent = s.estimated_wait_minutes === null || s.estimated_wait_minutes === undefined ? "—" : s.estimated_wait_minutes;
    var cancel = root.querySelector("form[data-confirm]");
    if (cancel && s.state !== "waiting") cancel.hidden = true;
  }
  function refresh() {
    fetch(statusUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) render(s); });
  }
  function refreshSoon() {  // many phones follow one hall: spread their requests over two seconds
    if (pending) return;
    pending = window.setTimeout(function () { pending = null; refresh(); }, Math.random() * 2000);
  }
  function onEvent(ev) {
    if (ev.type !== "ticket" || !ev.ticket) return;
    if (ev.ticket.token !== token) { refreshSoon(); return; }
    var calledNow = ev.action === "call" || ev.action === "call_number" || ev.action === "recall";
    refresh();
    if (calledNow) {
      var win = $("[data-window]");
      win.textContent = root.getAttribute("data-called-text").replace("{window}", ev.ticket.window);
      win.hidden = false;
      $("[data-state]").className = "ticket-state state-called";
      if (alerts) { beep(); if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]); }
    }
  }
  var btn = $("[data-alerts]");
  if (btn) btn.addEventListener("click", function () {
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); audio.resume(); } catch (e) { audio = null; }
    alerts = true; btn.setAttribute("aria-pressed", "true"); btn.disabled = true;
    if (navigator.vibrate) navigator.vibrate(100);
  });
  var form = root.querySelector("form[data-confirm]");
  if (form) form.addEventListener("submit", function (e) {
    if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
  });
  var conn = $("[data-conn]");
  if (!document.querySelector(".ticket-live").getAttribute("data-stream")) return;
  Yimen.live(root.getAttribute("data-stream"), {
    onEvent: onEvent, onResync: refresh,
    onState: function (s) { if (conn) conn.textContent = s === "live" ? "" : "…"; }
  });
})();

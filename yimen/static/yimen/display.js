/* Hall display and per-window display: live calls, a chime and a zh-CN voice announcement for
   each call (shown as text too), waiting counts, and a resync after every reconnect. */
(function () {
  "use strict";
  var root = document.querySelector(".display-root");
  if (!root) return;
  var CALLS = { call: 1, call_number: 1, recall: 1 };  // event actions: docs/realtime.md
  var CLEARS = { finish: 1, skip: 1, transfer: 1, cancel: 1, close: 1 };
  var onlyWindow = root.getAttribute("data-window-only");
  var lang = document.documentElement.lang || "zh-CN";
  var maxCalls = onlyWindow ? 4 : 8;
  var audio = null, queue = [], speaking = false;

  function $(sel) { return root.querySelector(sel); }
  function fill(tpl, label, win) { return tpl.replace("{label}", label).replace("{window}", win); }
  var DIGITS = "零一二三四五六七八九";
  function spoken(label) {  // A012 -> "A零一二": every digit read on its own, as halls do
    if (lang.indexOf("zh") !== 0) return label.split("").join(" ");
    return label.replace(/[0-9]/g, function (d) { return DIGITS[+d]; });
  }

  function chime(done) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") { showSoundButton(); done(); return; }
      [[660, 0], [880, 0.28]].forEach(function (t) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = t[0]; o.connect(g); g.connect(audio.destination);
        g.gain.setValueAtTime(0.0001, audio.currentTime + t[1]);
        g.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + t[1] + 0.03);
        g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + t[1] + 0.26);
        o.start(audio.currentTime + t[1]); o.stop(audio.currentTime + t[1] + 0.27);
      });
      window.setTimeout(done, 600);
    } catch (e) { done(); }
  }
  function showSoundButton() {
    var b = $("[data-sound]");
    if (b) b.hidden = false;
  }
  function say(text, done) {
    if (!("speechSynthesis" in window)) { done(); return; }
    var u = new SpeechSynthesisUtterance(text);
    u.lang = lang.indexOf("zh") === 0 ? "zh-CN" : "en-US"; u.rate = 0.9;
    u.onend = done; u.onerror = done;
    window.speechSynthesis.speak(u);
    window.setTimeout(done, 8000);  // never let a silent engine stall the queue
  }
  function next() {
    if (speaking || !queue.length) return;
    speaking = true;
    var item = queue.shift(), finished = false;
    function done() { if (finished) return; finished = true; speaking = false; next(); }
    chime(function () { say(item, done); });
  }
  function announce(ev) {
    var t = ev.ticket, tpl = root.getAttribute(ev.action === "recall" ? "data-say-recall" : "data-say-template");
    if (!tpl) return;
    var box = $("[data-announce]");
    if (box) box.textContent = fill(tpl, t.label, t.window);
    queue.push(fill(tpl, spoken(t.label), String(parseInt(t.window, 10) || t.window)));
    next();
  }

  function setWindow(id, label) {
    var li = root.querySelector('[data-window="' + id + '"] [data-ticket]');
    if (li) li.textContent = label || "—";
  }
  function addCall(label, win, at) {
    var list = $("[data-calls]");
    if (!list) return;
    var li = document.createElement("li");
    li.className = "fresh";
    li.innerHTML = '<span class="call-label"></span> ' + (onlyWindow ? "" : '<span class="call-arrow" aria-hidden="true">→</span> <span class="call-window"></span> ') + '<span class="call-at"></span>';
    li.querySelector(".call-label").textContent = label;
    if (!onlyWindow) li.querySelector(".call-window").textContent = win;
    li.querySelector(".call-at").textContent = at;
    list.insertBefore(li, list.firstChild);
    while (list.children.length > maxCalls) list.removeChild(list.lastChild);
    window.setTimeout(function () { li.className = ""; }, 6000);
  }
  function setWaiting(waiting) {
    if (!waiting) return;
    Object.keys(waiting).forEach(function (p) {
      root.querySelectorAll('[data-waiting="' + p + '"]').forEach(function (el) { el.textContent = waiting[p]; });
    });
    root.querySelectorAll("[data-waiting]").forEach(function (el) {
      if (!(el.getAttribute("data-waiting") in waiting)) el.textContent = "0";
    });
  }
  function hhmmss() { return new Date().toTimeString().slice(0, 8); }

  function onEvent(ev) {
    if (ev.type !== "ticket" || !ev.ticket) return;
    var t = ev.ticket;
    if (ev.waiting) setWaiting(ev.waiting);
    if (onlyWindow && String(t.window_id) !== onlyWindow) return;
    if (CALLS[ev.action] && t.window_id) {
      setWindow(t.window_id, t.label);
      addCall(t.label, windowLabel(t.window), hhmmss());
      announce(ev);
    } else if (CLEARS[ev.action] && t.window_id) {
      var cell = root.querySelector('[data-window="' + t.window_id + '"] [data-ticket]');
      if (cell && cell.textContent === t.label) cell.textContent = "—";
    }
  }
  function windowLabel(num) {
    var tpl = root.getAttribute("data-window-label");
    return tpl ? tpl.replace("{window}", num) : num;
  }
  function resync() {
    fetch(root.getAttribute("data-state-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) {
        if (!b) return;
        b.windows.forEach(function (w) { setWindow(w.id, w.ticket); });
        var list = $("[data-calls]");
        if (list) {
          list.innerHTML = "";
          b.calls.slice().reverse().forEach(function (c) { addCall(c.label, windowLabel(c.window), c.at); });
          list.querySelectorAll(".fresh").forEach(function (li) { li.className = ""; });
        }
        var waiting = {};
        b.queues.forEach(function (q) { waiting[q.prefix] = q.waiting; });
        setWaiting(waiting);
      });
  }
  var conn = $("[data-conn]");
  var soundBtn = $("[data-sound]");
  if (soundBtn) soundBtn.addEventListener("click", function () {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    audio.resume(); soundBtn.hidden = true;
  });
  var clock = $("[data-clock]");
  if (clock) { clock.textContent = hhmmss().slice(0, 5); window.setInterval(function () { clock.textContent = hhmmss().slice(0, 5); }, 1000); }
  var offlineText = conn ? conn.textContent : "";
  Yimen.live(root.getAttribute("data-stream"), {
    onEvent: onEvent, onResync: resync,
    onState: function (s) {
      if (!conn) return;
      conn.textContent = s === "live" ? "" : offlineText;
      root.setAttribute("data-live", s);
    }
  });
})();

/* Kiosk: back to the start screen after idle time, print the ticket once on a kiosk device,
   and live waiting counts on the start screen. */
(function () {
  "use strict";
  var body = document.querySelector(".kiosk-body");
  if (!body) return;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var timer = null;
  function restart() {
    if (!idle) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { window.location.href = body.getAttribute("data-home"); }, idle * 1000);
  }
  ["pointerdown", "keydown", "input"].forEach(function (e) { document.addEventListener(e, restart, { passive: true }); });
  restart();
  if (body.getAttribute("data-print") === "1") window.setTimeout(function () { window.print(); }, 300);
  var again = document.querySelector('[data-action="print"]');
  if (again) again.addEventListener("click", function () { window.print(); });
  var search = document.getElementById("kiosk-q");
  if (search && !search.value) search.focus();  // a barcode scanner types into the focused field
  var stream = document.querySelector("[data-stream]");
  if (stream && window.Yimen && Yimen.live) {
    Yimen.live(stream.getAttribute("data-stream"), {
      onEvent: function (ev) {
        if (!ev.waiting) return;
        document.querySelectorAll("[data-waiting]").forEach(function (el) {
          var n = ev.waiting[el.getAttribute("data-waiting")] || 0;
          el.textContent = el.getAttribute("data-template").replace("{n}", n);
        });
      }
    });
  }
})();

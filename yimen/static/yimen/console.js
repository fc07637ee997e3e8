/* Window console: keyboard shortcuts (single keys, outside text fields) and a panel refresh
   whenever a live event concerns this console's windows or the center's queues. */
(function () {
  "use strict";
  var root = document.querySelector(".console");
  if (!root) return;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") return;
    var key = e.key.toLowerCase();
    var btn = root.querySelector('button[data-key="' + key + '"]:not([disabled]), a[data-key="' + key + '"]');
    if (btn) { e.preventDefault(); btn.click(); }
  });
  var timer = null;
  function refresh() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var panel = document.getElementById("console-panel");
      if (panel && window.htmx) htmx.trigger(panel, "refresh");
    }, 250);
  }
  var url = root.getAttribute("data-stream");
  if (url && window.Yimen && Yimen.live) Yimen.live(url, { onEvent: refresh, onResync: refresh });
})();

/* The evaluation pad and the phone page:
   - a bad rating (level <= 2) shows the reason tags and the comment box (without JS they are always shown);
   - the idle pad learns that a visit ended at its window from the live channel (the window's ticket
     events), and polls the pending-visit API as a fallback, then reloads to show the visit;
   - a shown visit that is no longer pending (the next citizen was called) resets the pad. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function toggleBad(form) {
    var part = form.querySelector("[data-bad-part]");
    if (!part) return;
    var chosen = form.querySelector("input[name=level]:checked");
    part.hidden = !(chosen && chosen.getAttribute("data-bad") === "1");
  }
  document.querySelectorAll("[data-rate-form]").forEach(function (form) {
    toggleBad(form);
    form.addEventListener("change", function (e) { if (e.target.name === "level") toggleBad(form); });
  });
  var thanks = document.querySelector("[data-reset-url]");  // the pad's thanks screen resets itself
  if (thanks) {
    window.setTimeout(function () { window.location.href = thanks.getAttribute("data-reset-url"); },
                      1000 * parseInt(thanks.getAttribute("data-reset-seconds") || "8", 10));
  }
  var body = document.querySelector(".pad-body");
  if (!body) return;
  var shown = body.getAttribute("data-shown") || "";
  var poll = body.getAttribute("data-poll");
  function check() {
    fetch(poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var token = data.token || "";
        if (!shown && token) window.location.reload();
        else if (shown && !token) window.location.reload();
      })
      .catch(function () {});
  }
  var every = 1000 * parseInt(body.getAttribute("data-poll-seconds") || "4", 10) * (shown ? 4 : 1);
  window.setInterval(check, every);
  var stream = body.getAttribute("data-stream");
  if (stream && window.Yimen && window.Yimen.live) {
    window.Yimen.live(stream, {
      onEvent: function (ev) { if (ev && ev.type === "ticket") window.setTimeout(check, 300); },
      onResync: check
    });
  }
})();

/* Yimen live: one EventSource to the live process, with resync and back-off.
   Yimen.live(url, {onEvent: fn(event), onResync: fn(), onState: fn("live"|"offline")})
   - every message is one JSON event (see docs/realtime.md);
   - after a reconnect, onResync() lets the page fetch the current state it may have missed;
   - a refused stream (expired subscription, restart) is retried with jittered back-off, and after
     several refusals the page reloads to get a fresh subscription. */
(function () {
  "use strict";
  window.Yimen = window.Yimen || {};
  window.Yimen.live = function (url, handlers) {
    var h = handlers || {};
    var source = null, opened = false, refusals = 0;
    function state(s) { if (h.onState) h.onState(s); }
    function connect() {
      source = new EventSource(url);
      source.onopen = function () {
        refusals = 0;
        state("live");
        if (opened && h.onResync) h.onResync();
        opened = true;
      };
      source.onmessage = function (msg) {
        var ev;
        try { ev = JSON.parse(msg.data); } catch (e) { return; }
        if (h.onEvent) h.onEvent(ev);
      };
      source.onerror = function () {
        state("offline");
        if (source.readyState === EventSource.CLOSED) {
          source.close();
          refusals += 1;
          if (refusals > 5) { window.location.reload(); return; }
          var delay = Math.min(30000, 1000 * Math.pow(2, refusals)) * (0.5 + Math.random());
          window.setTimeout(connect, delay);
        }
      };
    }
    connect();
    return { close: function () { if (source) source.close(); } };
  };
})();

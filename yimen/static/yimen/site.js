// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var t = ev.target.closest("[data-print],[data-copy-link],[data-read-aloud]");
    if (!t) return;
    if (t.hasAttribute("data-print")) { window.print(); }
    if (t.hasAttribute("data-copy-link")) {
      var status = document.querySelector("[data-copy-status]");
      var done = function () { if (status) status.textContent = document.documentElement.lang === "en" ? "Link copied." : "链接已复制。"; };
      if (navigator.clipboard) { navigator.clipboard.writeText(window.location.href).then(done, done); } else { done(); }
    }
    if (t.hasAttribute("data-read-aloud") && "speechSynthesis" in window) {
      var el = document.getElementById(t.getAttribute("data-read-aloud"));
      window.speechSynthesis.cancel();
      var u = new SpeechSynthesisUtterance(el ? el.innerText.slice(0, 4000) : "");
      u.lang = document.documentElement.lang === "en" ? "en-US" : "zh-CN";
      window.speechSynthesis.speak(u);
    }
  });
  if ("speechSynthesis" in window) {
    document.querySelectorAll("[data-read-aloud]").forEach(function (b) { b.hidden = false; });
  }
})();

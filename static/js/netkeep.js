// Netkeep: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";
  function applyTheme(theme) {
    document.documentElement.dataset.theme = theme;
    document.querySelectorAll("[data-theme-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", theme === "contrast" ? "true" : "false");
    });
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-theme-toggle]");
    if (!toggle) return;
    var next = document.documentElement.dataset.theme === "contrast" ? "light" : "contrast";
    try { localStorage.setItem("netkeep-theme", next); } catch (e) {}
    applyTheme(next);
  });
  document.addEventListener("DOMContentLoaded", function () {
    applyTheme(document.documentElement.dataset.theme || "light");
  });
})();

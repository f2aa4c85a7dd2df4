// Netkeep: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";
  // The theme button cycles light → dark → high contrast; its label says which is on.
  var THEMES = ["light", "dark", "contrast"];
  var NAMES = { light: "Light", dark: "Dark", contrast: "High contrast" };
  function applyTheme(theme) {
    if (THEMES.indexOf(theme) === -1) theme = "light";
    document.documentElement.dataset.theme = theme;
    var next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    document.querySelectorAll("[data-theme-toggle]").forEach(function (b) {
      var label = "Theme: " + NAMES[theme] + ". Switch to " + NAMES[next];
      b.setAttribute("aria-label", label);
      b.setAttribute("title", label);
      b.dataset.current = theme;
    });
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-theme-toggle]");
    if (!toggle) return;
    var now = THEMES.indexOf(document.documentElement.dataset.theme);
    var next = THEMES[(now + 1) % THEMES.length];
    try { localStorage.setItem("netkeep-theme", next); } catch (e) {}
    applyTheme(next);
  });
  document.addEventListener("DOMContentLoaded", function () {
    applyTheme(document.documentElement.dataset.theme || "light");
  });

  // Colours and widths that come from data are written as data-var-NAME="value"
  // and set here as the CSS variable --NAME: the Content-Security-Policy forbids
  // style="" attributes, not styles set through the DOM.
  var VARS = ["tag", "swatch", "pct", "level", "net"];
  var SELECTOR = VARS.map(function (name) { return "[data-var-" + name + "]"; }).join(",");
  function applyVars(root) {
    var nodes = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll(SELECTOR) : []);
    if (root.matches && root.matches(SELECTOR)) nodes.push(root);
    nodes.forEach(function (el) {
      VARS.forEach(function (name) {
        var value = el.getAttribute("data-var-" + name);
        if (value !== null) el.style.setProperty("--" + name, value);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyVars(document); });
  // htmx swaps in new rows and fragments: give them their variables too.
  document.addEventListener("htmx:load", function (event) { applyVars(event.target); });
})();

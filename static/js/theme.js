// Apply the theme before the first paint (loaded without defer in <head>): the one the
// user chose with the theme button, else what the system asks for, else light.
(function () {
  var themes = ["light", "dark", "contrast"];
  var theme = null;
  try { theme = localStorage.getItem("netkeep-theme"); } catch (e) {}
  if (themes.indexOf(theme) === -1) {
    var asks = function (query) { return window.matchMedia && window.matchMedia(query).matches; };
    theme = asks("(prefers-contrast: more)") ? "contrast" : asks("(prefers-color-scheme: dark)") ? "dark" : "light";
  }
  document.documentElement.dataset.theme = theme;
})();

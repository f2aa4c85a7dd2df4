// Top-bar search suggestions: htmx fills #typeahead while typing (debounced in the
// form's hx-trigger); this file only shows, hides and moves through them. Enter in
// the box still submits to the full search page.
(function () {
  "use strict";

  function box() { return document.getElementById("topsearch"); }
  function panel() { return document.getElementById("typeahead"); }
  function links() {
    var p = panel();
    return p ? Array.prototype.slice.call(p.querySelectorAll("a")) : [];
  }
  function close() {
    var p = panel();
    if (p) p.innerHTML = "";
  }

  document.addEventListener("keydown", function (event) {
    var input = box();
    var p = panel();
    if (!input || !p || !p.contains(document.activeElement) && document.activeElement !== input) return;
    var items = links();
    var index = items.indexOf(document.activeElement);
    if (event.key === "Escape" && (items.length || document.activeElement !== input)) {
      close();
      input.focus();
      event.preventDefault();
      event.stopPropagation();
    } else if (event.key === "ArrowDown" && items.length) {
      items[Math.min(index + 1, items.length - 1)].focus();
      event.preventDefault();
      event.stopPropagation();
    } else if (event.key === "ArrowUp" && index !== -1) {
      if (index === 0) input.focus();
      else items[index - 1].focus();
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Clicking elsewhere closes the suggestions; an emptied box clears them.
  document.addEventListener("click", function (event) {
    var form = event.target.closest && event.target.closest(".topsearch");
    if (!form) close();
  });
  document.addEventListener("input", function (event) {
    if (event.target === box() && !event.target.value.trim()) close();
  });
})();

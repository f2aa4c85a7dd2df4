// Discovery pages: "select all" on the reconciliation table. Everything works without it.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-select-all]");
    if (!box) return;
    var form = box.closest("form");
    form.querySelectorAll('input[name="item"]').forEach(function (item) { item.checked = box.checked; });
  });
})();

// Forms marked data-confirm ask before they submit (deleting a webhook, say).
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// Keyboard shortcuts, on every page. Everything they do is also a link or a button:
//   /        focus the search box in the top bar
//   j / k    move to the next / previous row of a table (the row gets a visible outline)
//   Enter    open the selected row's main link (on a subnet page, the host drawer)
//   Esc      close the host drawer (ipam.js) or this list
//   ?        show this list (the "Keyboard shortcuts" dialog in base.html)
// None of them fires while typing in a field or with Ctrl, Alt or Cmd held.
(function () {
  "use strict";
  var current = null;

  function typing(el) {
    if (!el || !el.tagName) return false;
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  // A row's main link: the one marked so, else the drawer opener, else the first link.
  function mainLink(row) {
    return row.querySelector("[data-main-link]") || row.querySelector("[data-drawer-open]") ||
      row.querySelector("a[href]");
  }

  function rows() {
    var all = document.querySelectorAll("main table tbody tr");
    return Array.prototype.filter.call(all, function (row) {
      return !row.hidden && row.getClientRects().length > 0 && mainLink(row);
    });
  }

  function select(row) {
    if (current) current.classList.remove("kb-current");
    current = row;
    row.classList.add("kb-current");
    if (!row.hasAttribute("tabindex")) row.setAttribute("tabindex", "-1");
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var active = document.activeElement;
    var here = active && active.closest ? active.closest("tr") : null;
    var index = list.indexOf(here);
    if (index === -1 && current && document.body.contains(current)) index = list.indexOf(current);
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : index + step;
    select(list[Math.max(0, Math.min(list.length - 1, next))]);
    return true;
  }

  function searchBox() {
    return document.getElementById("topsearch") || document.querySelector("[role=search] input");
  }

  function dialog() { return document.getElementById("shortcuts"); }

  function openHelp() {
    var help = dialog();
    if (!help || help.open) return;
    help.showModal();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) openHelp();
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var help = dialog();
    if (help && help.open) return; // the dialog is modal: Esc closes it, Tab stays inside
    var handled = false;
    if (event.key === "/") {
      var box = searchBox();
      if (box) { box.focus(); box.select(); handled = true; }
    } else if (event.key === "j" || event.key === "k") {
      handled = move(event.key === "j" ? 1 : -1);
    } else if (event.key === "Enter" && current && event.target === current) {
      var link = mainLink(current);
      if (link) { link.click(); handled = true; }
    } else if (event.key === "?") {
      openHelp();
      handled = Boolean(help);
    }
    if (handled) event.preventDefault();
  });

  // Rows replaced by htmx (filters, paging) drop the selection with them.
  document.addEventListener("htmx:afterSwap", function () {
    if (current && !document.body.contains(current)) current = null;
  });
})();

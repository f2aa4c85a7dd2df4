// IPAM pages: host drawer, keyboard selection of search results, jump-to-address highlight.
// Everything works without this file; it only adds comfort.
(function () {
  "use strict";
  var opener = null;

  function drawer() { return document.getElementById("drawer"); }

  function openDrawer() {
    var panel = drawer();
    if (!panel) return;
    panel.hidden = false;
    panel.focus();
  }

  function closeDrawer() {
    var panel = drawer();
    if (!panel || panel.hidden) return;
    panel.hidden = true;
    if (opener && document.body.contains(opener)) opener.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("[data-drawer-open]")) {
      opener = target.closest("[data-drawer-open]");
      return;
    }
    var toggle = target.closest(".free-toggle");
    if (toggle) {
      // Collapse (or reopen) every row expanded from this free run.
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.querySelector(".expand").textContent = open ? "hide ▴" : "show ▾";
      document.querySelectorAll('tr[data-run="' + toggle.dataset.run + '"]:not(.free-head)').forEach(function (row) {
        row.hidden = !open;
      });
      return;
    }
    // The subnet tree: a branch's button shows or hides its children (htmx loads them once);
    // a click elsewhere on the row, off its links, does the same.
    var branch = target.closest(".tree-toggle");
    var branchRow = target.closest(".tree .branch");
    if (!branch && branchRow && !target.closest("a, button, input, select, textarea, label")) {
      branch = branchRow.querySelector(".tree-toggle");
      if (branch) { branch.click(); return; }
    }
    if (branch) {
      var expanded = branch.getAttribute("aria-expanded") !== "true";
      branch.setAttribute("aria-expanded", expanded ? "true" : "false");
      var children = document.getElementById(branch.getAttribute("aria-controls"));
      if (children) children.hidden = !expanded;
      return;
    }
    if (target.closest("[data-drawer-close]")) {
      closeDrawer();
      return;
    }
    // A click anywhere on a host row (not on its controls) opens the drawer too.
    var row = target.closest("tr.host-row");
    if (row && !target.closest("a, button, input, select, textarea, label")) {
      var link = row.querySelector("[data-drawer-open]");
      if (link) link.click();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "drawer-body") openDrawer();
    highlightJump();
  });

  // Search results: arrow keys move between results; from a search box, ↓ enters them.
  function results() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-results] [data-result]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeDrawer();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var items = results();
    if (!items.length) return;
    var active = document.activeElement;
    var index = items.indexOf(active);
    var inBox = active && (active.id === "q" || active.id === "topsearch");
    if (index === -1 && !inBox) return;
    event.preventDefault();
    if (index === -1) {
      if (event.key === "ArrowDown") items[0].focus();
      return;
    }
    var next = index + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0) {
      var box = document.getElementById("q") || document.getElementById("topsearch");
      if (box) box.focus();
      return;
    }
    items[Math.min(next, items.length - 1)].focus();
  });

  // Jump to address: bring the row of that address (or the free run holding it) into view.
  function highlightJump() {
    var body = document.getElementById("flow-rows");
    if (!body || !body.dataset.jump || body.dataset.highlighted) return;
    body.dataset.highlighted = "1";
    var row = body.querySelector('tr[data-address="' + body.dataset.jump + '"]') || body.querySelector("tr");
    if (!row) return;
    row.classList.add("target");
    row.scrollIntoView({ block: "center" });
  }

  document.addEventListener("DOMContentLoaded", highlightJump);
})();

// Keyboard: expanding a free run replaces the row whose link had the focus.
// Put the focus back in the same place (the run's toggle, or the first revealed
// address) so that Tab continues through the revealed "Add host here" links
// instead of restarting at the top of the page.
(function () {
  "use strict";
  var pending = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    if (!link || !link.matches || !link.matches("a.free")) return;
    var row = link.closest("tr");
    pending = {
      link: link,
      focused: document.activeElement === link,
      run: row ? row.dataset.run || "" : "",
      first: (link.querySelector(".mono") || link).textContent.split("–")[0].trim()
    };
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!pending) return;
    // Another swap settling first (a progress poll) must not use up the pending focus.
    var config = event.detail && event.detail.requestConfig;
    if (config && config.elt && config.elt !== pending.link) return;
    var wanted = pending;
    pending = null;
    if (!wanted.focused) return;
    var body = document.getElementById("flow-rows");
    if (!body) return;
    var target = null;
    if (!wanted.run) {
      // First expansion: the run's new header button stands where the link was.
      target = body.querySelector('button.free-toggle[data-run="' + wanted.first + '"]');
    }
    if (!target) {
      var cells = body.querySelectorAll("tr.free-addr td.addr");
      for (var i = 0; i < cells.length && !target; i++) {
        if (cells[i].textContent.trim() === wanted.first) {
          target = cells[i].closest("tr").querySelector("a, button");
        }
      }
    }
    // A viewer has no "Add host here" links: the run's toggle is the nearest control.
    if (!target) target = body.querySelector('button.free-toggle[data-run="' + (wanted.run || wanted.first) + '"]');
    if (target) target.focus();
  });
})();

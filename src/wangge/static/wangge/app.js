// Behaviour every page shares. No inline handlers anywhere: the Content-Security-Policy allows
// scripts from this site's static files only.
(function () {
  "use strict";
  // <form data-confirm="question">: ask before submitting (replaces onsubmit="return confirm()").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  // Tables on a phone (docs/ui.md). Every <table class="list"> becomes a stack of cards below
  // 40rem: wangge.css draws each cell as "column head: value", the head read here from the
  // table's <thead> into data-label. A table marked "phone-scroll" keeps its columns instead
  // (a matrix read across rows): it is put in a box that scrolls sideways, with a hint that
  // shows only while something is out of sight. Runs on load and on every htmx swap.
  var hint = document.body.getAttribute("data-scroll-hint") || "← →";

  function labelCells(table) {
    var heads = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    if (!heads) { return; }
    var labels = [];
    Array.prototype.forEach.call(heads.cells, function (th) {
      var text = th.textContent.replace(/\s+/g, " ").trim();
      for (var span = 0; span < (th.colSpan || 1); span++) { labels.push(text); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell, index) {
          if (cell.colSpan > 1) { cell.classList.add("wg-wide"); }
          else if (labels[column]) { cell.setAttribute("data-label", labels[column]); }
          if (index === 0 && cell.querySelector("a")) { cell.classList.add("wg-title"); }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  function watch(box) {
    var tip = box.previousElementSibling;
    function update() {
      var hidden = box.scrollWidth - box.clientWidth > 1;
      box.classList.toggle("wg-overflowing", hidden);
      if (tip && tip.classList.contains("wg-scroll-hint")) { tip.hidden = !hidden; }
    }
    update();
    if (window.ResizeObserver) { new ResizeObserver(update).observe(box); }
    else { window.addEventListener("resize", update); }
  }

  function scrollBox(table) {
    if (table.parentElement.classList.contains("wg-scroll")) { return; }
    var box = document.createElement("div");
    box.className = "wg-scroll";
    box.tabIndex = 0;  // a keyboard can scroll it too
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", hint);
    var tip = document.createElement("p");
    tip.className = "wg-scroll-hint";
    tip.textContent = hint;
    tip.hidden = true;
    table.parentNode.insertBefore(tip, table);
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
    watch(box);
  }

  function prepare(root) {
    var tables = root.querySelectorAll ? root.querySelectorAll("table.list") : [];
    if (root.matches && root.matches("table.list")) { tables = [root]; }
    Array.prototype.forEach.call(tables, function (table) {
      if (table.classList.contains("phone-scroll")) { scrollBox(table); }
      else { labelCells(table); }
    });
  }

  prepare(document);
  document.addEventListener("htmx:load", function (event) { prepare(event.target); });
})();

/* The catalogue's JavaScript: search on the home page, and table previews that filter, sort and
   download as CSV. Data comes from <script> files (window.BATTERY_SEARCH, window.BATTERY_DATA),
   so every page works from the files alone, file:// included. No library, no network. */
(function () {
  "use strict";

  function words(text) {
    return String(text || "").toLowerCase().split(/\s+/).filter(Boolean);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* ---------------------------------------------------------------- search */
  var RANK = { technology: 0, family: 1, product: 2, organisation: 3, document: 4, table: 5, column: 6 };

  function search(query) {
    var wanted = words(query);
    var results = document.getElementById("results");
    results.textContent = "";
    if (!wanted.length) return;
    var hits = (window.BATTERY_SEARCH || []).filter(function (entry) {
      var hay = (entry.n + " " + entry.d + " " + entry.k).toLowerCase();
      return wanted.every(function (w) { return hay.indexOf(w) >= 0; });
    });
    hits.sort(function (a, b) {
      var an = wanted.every(function (w) { return a.n.toLowerCase().indexOf(w) >= 0; }) ? 0 : 1;
      var bn = wanted.every(function (w) { return b.n.toLowerCase().indexOf(w) >= 0; }) ? 0 : 1;
      return an - bn || (RANK[a.k] - RANK[b.k]) || a.n.localeCompare(b.n);
    });
    results.appendChild(el("p", { "class": "note" }, hits.length + " result" + (hits.length === 1 ? "" : "s") + (hits.length > 100 ? " (first 100 shown)" : "")));
    var list = el("ol");
    hits.slice(0, 100).forEach(function (entry) {
      var item = el("li", { "class": "hit hit-" + entry.k });
      item.appendChild(el("span", { "class": "kind" }, entry.k));
      var link = el("a", { href: entry.u }, entry.n);
      item.appendChild(link);
      if (entry.d) item.appendChild(el("span", { "class": "d" }, entry.d.length > 220 ? entry.d.slice(0, 217) + "…" : entry.d));
      list.appendChild(item);
    });
    results.appendChild(list);
  }

  var box = document.getElementById("search");
  if (box) {
    box.addEventListener("input", function () { search(box.value); });
    var start = new URLSearchParams(window.location.search).get("q");
    if (start) { box.value = start; search(start); }
  }

  /* ---------------------------------------------------------------- previews */
  function cellText(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  /* As the CSV exports do: a text cell a spreadsheet would run as a formula gets a leading '. */
  function csvCell(value) {
    if (value === null || value === undefined) return "";
    var text = String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function preview(root) {
    var data = (window.BATTERY_DATA || {})[root.getAttribute("data-name")];
    if (!data) throw new Error("no preview data for " + root.getAttribute("data-name"));
    var filter = root.querySelector("input.filter");
    var count = root.querySelector(".count");
    var grid = root.querySelector(".grid");
    var sortColumn = -1, sortDirection = 1, shown = data.rows;
    var numeric = data.columns.map(function (_, i) {
      return data.rows.every(function (r) { return r[i] === null || typeof r[i] === "number"; });
    });
    var lower = data.rows.map(function (r) { return r.map(cellText).join("\u0001").toLowerCase(); });

    function render() {
      var wanted = words(filter.value);
      shown = data.rows.filter(function (_, i) {
        return wanted.every(function (w) { return lower[i].indexOf(w) >= 0; });
      });
      if (sortColumn >= 0) {
        var c = sortColumn;
        shown = shown.slice().sort(function (a, b) {
          var x = a[c], y = b[c];
          if (x === null) return 1;
          if (y === null) return -1;
          return (numeric[c] ? x - y : String(x).localeCompare(String(y))) * sortDirection;
        });
      }
      var table = el("table");
      var head = el("tr");
      data.columns.forEach(function (name, i) {
        var th = el("th", { scope: "col", tabindex: "0", title: "sort by " + name }, name);
        if (i === sortColumn) th.setAttribute("aria-sort", sortDirection > 0 ? "ascending" : "descending");
        function sortBy() {
          sortDirection = sortColumn === i ? -sortDirection : 1;
          sortColumn = i;
          render();
        }
        th.addEventListener("click", sortBy);
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(); });
        head.appendChild(th);
      });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var body = el("tbody");
      var fragment = document.createDocumentFragment();
      shown.forEach(function (row) {
        var tr = el("tr");
        row.forEach(function (v, i) {
          var text = cellText(v);
          var attrs = numeric[i] ? { "class": "num" } : {};
          if (text.length > 40) attrs.title = text;  /* the whole text on hover where the cell cuts it */
          tr.appendChild(el("td", attrs, text));
        });
        fragment.appendChild(tr);
      });
      body.appendChild(fragment);
      table.appendChild(body);
      grid.textContent = "";
      grid.appendChild(table);
      count.textContent = shown.length + " of " + data.rows.length + " rows shown";
      root.setAttribute("data-shown", String(shown.length));
    }

    root.querySelector("button.download-csv").addEventListener("click", function () {
      var lines = [data.columns.map(csvCell).join(",")];
      shown.forEach(function (row) { lines.push(row.map(csvCell).join(",")); });
      var blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
      var link = el("a", { href: URL.createObjectURL(blob), download: root.getAttribute("data-download") || "rows.csv" });
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
    filter.addEventListener("input", render);
    var start = /^#q=(.*)$/.exec(window.location.hash);
    if (start) filter.value = decodeURIComponent(start[1]);
    render();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".preview"), preview);
})();

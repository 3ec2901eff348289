// Sort a table by a column (click its header; again for the other order) and filter its rows.
(function () {
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    return raw === null ? { text: cell.textContent.trim().toLowerCase() } : { num: parseFloat(raw) };
  }
  function compare(a, b) {
    if (a.num !== undefined && b.num !== undefined) return a.num - b.num;
    if (a.num !== undefined) return -1;
    if (b.num !== undefined) return 1;
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }
  document.querySelectorAll("table.data").forEach(function (table) {
    var body = table.tBodies[0];
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (x, y) {
          var order = compare(key(x.cells[column]), key(y.cells[column]));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
    var block = table.closest(".table-block");
    var filter = block && block.querySelector("input.filter");
    if (filter) {
      filter.addEventListener("input", function () {
        var wanted = filter.value.trim().toLowerCase();
        Array.prototype.forEach.call(body.rows, function (row) {
          row.hidden = wanted !== "" && row.textContent.toLowerCase().indexOf(wanted) < 0;
        });
      });
    }
  });
})();

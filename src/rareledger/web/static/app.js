/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  /* Suggestions for enterprise ids while typing (client look-up). */
  function lookup(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var last = "";
    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query.length < 2 || query === last) { return; }
      last = query;
      fetch("/clients.json?q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (reply) { return reply.ok ? reply.json() : { matches: [] }; })
        .then(function (found) {
          list.textContent = "";
          (found.matches || []).forEach(function (match) {
            var option = document.createElement("option");
            option.value = match.id;
            option.label = match.name;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are a convenience */ });
    });
  }

  /* "Add a row" for line items: copies the last row with empty inputs. */
  function addRow(button) {
    var body = document.getElementById(button.getAttribute("data-add-row"));
    if (!body || !body.rows.length) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var last = body.rows[body.rows.length - 1];
      var copy = last.cloneNode(true);
      var index = body.rows.length;
      copy.querySelectorAll("input, select").forEach(function (field) {
        field.name = field.name.replace(/\.\d+\./, "." + index + ".");
        if (field.id) { field.id = field.id.replace(/-\d+-/, "-" + index + "-"); }
        field.value = "";
      });
      copy.querySelectorAll("label").forEach(function (label) {
        var target = label.getAttribute("for");
        if (target) { label.setAttribute("for", target.replace(/-\d+-/, "-" + index + "-")); }
      });
      body.appendChild(copy);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-lookup]").forEach(lookup);
    document.querySelectorAll("button[data-add-row]").forEach(addRow);
  });
}());

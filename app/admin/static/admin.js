// The console's only script (CSP allows scripts from this origin only): no inline handlers anywhere.
(function () {
  "use strict";

  // Language and filter selects submit their form when changed.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // After a failed submit the first field in error takes the focus, its errors read with it.
  var firstError = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (firstError) { firstError.focus(); }

  // Live recipient count on the compose page.
  var form = document.getElementById("notice-form");
  var output = document.getElementById("recipient-count");
  if (form && output) {
    var timer = null;
    var refresh = function () {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (key.indexOf("audience_") === 0) { params.append(key, value); }
      });
      fetch(form.dataset.countUrl + "?" + params.toString(), {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          output.textContent = data.count === null ? data.error : data.label;
          output.dataset.count = data.count === null ? "" : String(data.count);
        })
        .catch(function () { output.textContent = "?"; });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(refresh, 250); };
    document.getElementById("audience").addEventListener("input", later);
    document.getElementById("audience").addEventListener("change", later);
    refresh();
  }

  // Registry import progress: poll until the job is done, then reload for the report.
  var progress = document.getElementById("import-progress");
  if (progress && progress.dataset.state !== "done" && progress.dataset.state !== "failed") {
    var bar = document.getElementById("import-bar");
    var rowsText = document.getElementById("import-rows");
    var paceText = document.getElementById("import-pace");
    var poll = function () {
      fetch(progress.dataset.pollUrl, {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          rowsText.textContent = rowsText.dataset.template.replace("{rows}", data.rows);
          if (data.rate && data.eta) {
            paceText.textContent = paceText.dataset.template.replace("{rate}", data.rate).replace("{eta}", data.eta);
            paceText.hidden = false;
          } else {
            paceText.hidden = true;
          }
          if (data.state === "done" || data.state === "failed") { window.location.reload(); }
          else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }
})();

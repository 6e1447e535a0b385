// Keeps a run's page current while the run waits or computes: every few seconds the page is
// fetched again and its state and results are swapped in; the status region announces them.
// Without JavaScript, the "Reload now" link does the same.
(function () {
  "use strict";
  var status = document.getElementById("run-status");
  if (!status || !status.dataset.refresh || !window.fetch || !window.DOMParser) return;
  var delay = Number(status.dataset.refresh) || 3000;

  function update() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var freshStatus = page.getElementById("run-status");
        var freshBody = page.getElementById("run-body");
        if (!freshStatus || !freshBody) return;
        if (freshStatus.textContent.trim() !== status.textContent.trim()) {
          status.innerHTML = freshStatus.innerHTML;
        }
        if (freshStatus.dataset.refresh) {
          window.setTimeout(update, delay);
          return;
        }
        document.getElementById("run-body").innerHTML = freshBody.innerHTML;
        var note = document.getElementById("run-refresh-note");
        if (note) note.hidden = true;
      })
      .catch(function () {
        window.setTimeout(update, delay * 3);
      });
  }
  window.setTimeout(update, delay);
})();

// 导出二维码信息: poll the export's status and move the progress bar until it is done.
(function () {
  "use strict";
  var box = document.querySelector(".export-progress");
  if (!box) return;
  var url = box.dataset.statusUrl;
  function part(role) { return box.querySelector('[data-role="' + role + '"]'); }

  function show(state) {
    // A failed export: the page itself shows the reason and 重新执行.
    if (state.status === "failed") { window.location.reload(); return true; }
    var bar = part("bar");
    bar.max = Math.max(state.total, 1);
    bar.value = state.done;
    bar.textContent = state.done + " / " + state.total;
    part("done").textContent = state.done;
    part("total").textContent = state.total;
    part("status").textContent = state.status_label;
    if (state.download) {
      part("download").hidden = false;
      part("download").querySelector("a").href = state.download;
    }
    if (state.error) {
      part("error").hidden = false;
      part("error").textContent = state.error;
    }
    return state.finished;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) { if (!show(state)) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (!part("download").hidden || !part("error").hidden) return;
  poll();
})();

// 数据导入 / 导出贫困户信息: poll the job's status and move the progress bar; when an import
// finishes, reload the page to show its problems or its result (the page reads the job).
(function () {
  "use strict";
  var box = document.querySelector(".exchange-job");
  if (!box || box.dataset.finished === "1") return;
  var url = box.dataset.statusUrl;
  function part(role) { return box.querySelector('[data-role="' + role + '"]'); }
  function set(role, text) { var el = part(role); if (el) el.textContent = text; }

  function show(state) {
    var bar = part("bar");
    var writing = state.status === "writing" || state.status === "building";
    if (bar) {
      bar.max = Math.max(state.total, 1);
      bar.value = writing ? state.written : state.checked;
    }
    set("status", state.status_label);
    set("checked", state.checked);
    set("written", state.written);
    set("total", state.total);
    if (state.finished && state.reload) { window.location.reload(); return true; }
    var download = part("download");
    if (state.download && download) {
      download.hidden = false;
      download.querySelector("a").href = state.download;
    }
    var error = part("error");
    if (state.error && error) { error.hidden = false; error.textContent = state.error; }
    return state.finished;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) { if (!show(state)) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();

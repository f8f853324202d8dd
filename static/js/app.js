// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function makeNode(child) {
    var li = document.createElement("li");
    li.className = "tree-node";
    li.dataset.childrenUrl = child.children_url;
    if (child.has_children) {
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "tree-toggle";
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-label", "展开 " + child.name);
      toggle.textContent = "+";
      li.appendChild(toggle);
    } else {
      var leaf = document.createElement("span");
      leaf.className = "tree-leaf";
      li.appendChild(leaf);
    }
    var link = document.createElement("a");
    link.href = child.url;
    link.textContent = child.name;
    link.title = child.level + " " + child.code;
    li.appendChild(document.createTextNode(" "));
    li.appendChild(link);
    return li;
  }

  // Region tree: children are fetched when a node is opened, so a 665k-node tree stays fast.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".tree-toggle");
    if (!toggle) return;
    var node = toggle.closest(".tree-node");
    var open = toggle.getAttribute("aria-expanded") === "true";
    var list = node.querySelector(":scope > ul");
    if (open) {
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = "+";
      if (list) list.hidden = true;
      return;
    }
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "−";
    if (list) { list.hidden = false; return; }
    list = document.createElement("ul");
    node.appendChild(list);
    fetch(node.dataset.childrenUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        data.children.forEach(function (child) { list.appendChild(makeNode(child)); });
      })
      .catch(function () {
        var li = document.createElement("li");
        li.textContent = "加载失败，请刷新页面重试";
        list.appendChild(li);
      });
  });

  // Cascading region choice (一码申报, the lead inbox): a select marked data-autosubmit sends
  // its form on change; without script its 下一步 button does the same.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var button = select.form && select.form.querySelector(".js-optional");
    if (button) button.hidden = true;
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.value) {
      select.form.submit();
    }
  });

  // Menu toggle at phone width.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".nav-toggle");
    if (!button) return;
    var sidebar = document.getElementById("sidebar");
    var open = sidebar.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // 添加系统用户: offer only the regions of the level the chosen role is attached to
  // (乡镇扶贫办 on a township, 村级账号 on a village). The server checks it again.
  function syncRegionLevels(regionSelect) {
    var levels = JSON.parse(regionSelect.dataset.levelsByRole);
    var roleField = regionSelect.form.elements[regionSelect.dataset.roleField];
    var wanted = roleField ? levels[roleField.value] : null;
    Array.prototype.forEach.call(regionSelect.options, function (option) {
      // One level per role, or several (an auditor: a province, a city or a county).
      var off =
        Boolean(wanted && option.dataset.level) &&
        [].concat(wanted).indexOf(option.dataset.level) < 0;
      option.disabled = off;
      option.hidden = off;
    });
    var chosen = regionSelect.options[regionSelect.selectedIndex];
    if (chosen && chosen.disabled) regionSelect.value = "";
  }
  document.querySelectorAll("select[data-levels-by-role]").forEach(syncRegionLevels);
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form) return;
    form.querySelectorAll("select[data-levels-by-role]").forEach(function (regionSelect) {
      if (event.target.name === regionSelect.dataset.roleField) syncRegionLevels(regionSelect);
    });
  });

  // Stored choices (menu groups folded, columns shown); private windows may refuse storage.
  function load(key, fallback) {
    try {
      var value = window.localStorage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* not kept */ }
  }

  // Menu groups fold (<details>); the folded ones are remembered, the current page's stay open.
  var MENU_KEY = "menu.closed";
  var closedGroups = load(MENU_KEY, []);
  document.querySelectorAll("#sidebar details[data-menu-key]").forEach(function (group) {
    var holdsCurrent = group.hasAttribute("data-current") || group.querySelector("a.active");
    if (closedGroups.indexOf(group.dataset.menuKey) !== -1 && !holdsCurrent) group.open = false;
  });
  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (!group.matches || !group.matches("#sidebar details[data-menu-key]")) return;
    var closed = load(MENU_KEY, []).filter(function (key) { return key !== group.dataset.menuKey; });
    if (!group.open) closed.push(group.dataset.menuKey);
    save(MENU_KEY, closed);
  }, true);

  // Column chooser of a table: hidden columns are classes "hide-<key>" on the table; the
  // choice is kept per table in localStorage, the server's default applies until one is made.
  document.querySelectorAll("[data-columns-for]").forEach(function (chooser) {
    var table = document.querySelector("[data-testid=" + chooser.dataset.columnsFor + "]");
    if (!table) return;
    var storageKey = table.dataset.columnsKey;
    var defaults = (table.dataset.defaultHidden || "").split(" ").filter(Boolean);
    var boxes = chooser.querySelectorAll("input[type=checkbox]");
    function apply(hidden) {
      boxes.forEach(function (box) {
        box.checked = hidden.indexOf(box.value) === -1;
        table.classList.toggle("hide-" + box.value, !box.checked);
      });
    }
    apply(load(storageKey, defaults));
    chooser.hidden = false;
    chooser.addEventListener("change", function () {
      var hidden = [];
      boxes.forEach(function (box) { if (!box.checked) hidden.push(box.value); });
      apply(hidden);
      save(storageKey, hidden);
    });
    chooser.querySelector("[data-columns-reset]").addEventListener("click", function () {
      try { window.localStorage.removeItem(storageKey); } catch (e) { /* nothing kept */ }
      apply(defaults);
    });
  });

  // An open column chooser closes when the user clicks elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".column-chooser[open]").forEach(function (chooser) {
      if (!chooser.contains(event.target)) chooser.open = false;
    });
  });

  // Confirmation for destructive actions (forms with data-confirm).
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // 全选 (data-check-all="households"): ticks the form's checkboxes of that name.
  document.addEventListener("change", function (event) {
    var name = event.target.dataset && event.target.dataset.checkAll;
    if (!name || !event.target.form) return;
    event.target.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(
      function (box) { box.checked = event.target.checked; }
    );
  });
})();

/* Keyboard shortcuts of the back-office queue (busy counters work from the keyboard).
 *   /      focus the search box          j / k  next / previous dossier
 *   Enter  open it (it is a focused link) x      tick or untick it
 *   ?      show or hide the help
 * Moving puts the real focus on the row's dossier link, so screen readers announce it
 * as they would on Tab; nothing fires while the person types in a field or holds a
 * modifier key, and the list may be replaced by htmx at any time (no cached rows). */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(
      document.querySelectorAll("table[data-keys=queue] tbody tr")
    );
  }

  function current(list) {
    var active = document.activeElement;
    for (var i = 0; i < list.length; i++) {
      if (list[i].contains(active)) return i;
    }
    for (var j = 0; j < list.length; j++) {
      if (list[j].classList.contains("bo-table__row--current")) return j;
    }
    return -1;
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var at = current(list);
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    list.forEach(function (row) { row.classList.remove("bo-table__row--current"); });
    var row = list[next];
    row.classList.add("bo-table__row--current");
    var link = row.querySelector("a.code");
    if (link) link.focus();
  }

  function toggle() {
    var list = rows();
    var at = current(list);
    if (at < 0) return;
    var box = list[at].querySelector("input[type=checkbox]");
    if (box) box.checked = !box.checked;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.id === "id_q") event.target.blur();
      return;
    }
    switch (event.key) {
      case "/":
        var search = document.getElementById("id_q");
        if (search) {
          event.preventDefault();
          search.focus();
          search.select();
        }
        break;
      case "j":
        event.preventDefault();
        move(1);
        break;
      case "k":
        event.preventDefault();
        move(-1);
        break;
      case "x":
        event.preventDefault();
        toggle();
        break;
      case "?":
        var help = document.getElementById("keyboard-help");
        if (help) {
          event.preventDefault();
          help.open = !help.open;
          if (help.open) help.querySelector("summary").focus();
        }
        break;
    }
  });
})();

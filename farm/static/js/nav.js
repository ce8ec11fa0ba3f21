// The main menu's areas are <details> elements and work without this file. With it, opening one area closes the
// others, and a click outside the menu (or Escape) closes the one that is open, as people expect of a menu bar.
(function () {
  "use strict";
  function groups() {
    return Array.prototype.slice.call(document.querySelectorAll("details.nav-group"));
  }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.classList || !opened.classList.contains("nav-group") || !opened.open) return;
    groups().forEach(function (other) {
      if (other !== opened) other.open = false;
    });
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("details.nav-group")) return;
    groups().forEach(function (group) { group.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") groups().forEach(function (group) { group.open = false; });
  });
})();

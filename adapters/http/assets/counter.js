// A text field with a limit shows how many characters are left as one
// types; screen readers hear it once typing pauses, not at every key.
// Without JavaScript the field's maxlength still holds and the hint names
// the limit.
(function () {
  "use strict";
  var fields = document.querySelectorAll("[data-counter]");
  Array.prototype.forEach.call(fields, function (field) {
    var shown = document.getElementById(field.getAttribute("data-counter"));
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!shown || !max) return;
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    shown.parentNode.insertBefore(spoken, shown.nextSibling);
    var timer;
    function left() {
      // Characters as the server counts them (code points).
      var n = max - Array.from(field.value).length;
      return n === 1 ? "1 character left" : n + " characters left";
    }
    shown.textContent = left();
    shown.hidden = false;
    field.addEventListener("input", function () {
      shown.textContent = left();
      clearTimeout(timer);
      timer = setTimeout(function () { spoken.textContent = left(); }, 1000);
    });
  });
})();

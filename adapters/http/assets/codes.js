// The codes page shows a Copy button beside each unused code; without
// JavaScript (or a clipboard) the buttons stay hidden and the codes are
// plain text to select.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  var live = document.getElementById("copy-status");
  document.querySelectorAll("button.copy").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var code = document.getElementById(b.getAttribute("data-copy")).textContent;
      navigator.clipboard.writeText(code).then(function () {
        if (live) live.textContent = "Copied " + code;
        b.firstChild.textContent = "Copied";
      });
    });
  });
})();

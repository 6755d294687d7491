// The status page of an open upgrade asks the server for news instead of
// reloading itself: it polls the upgrade's JSON with a growing pause, and
// when the status changes it swaps in the new text and says so through a
// polite live region. After a while it stops and offers "Check again".
// Without JavaScript the "Check again" link reloads the page.
(function () {
  "use strict";
  var story = document.querySelector("[data-poll]");
  var live = document.getElementById("poll-status");
  var again = document.getElementById("check-again");
  if (!story || !live || !again || !window.fetch) return;

  var pollURL = story.getAttribute("data-poll");
  var pageURL = story.getAttribute("data-page");
  var status = story.getAttribute("data-status");
  var delays = [1500, 2000, 3000, 5000, 8000, 13000, 20000, 30000];
  var attempt, started, timer;

  function say(text) { live.textContent = text; }

  function start() {
    clearTimeout(timer);
    attempt = 0; started = Date.now();
    again.hidden = true;
    say("This page checks for news every few seconds…");
    schedule();
  }

  function stop(text) {
    clearTimeout(timer);
    again.hidden = false;
    say(text);
  }

  function schedule() {
    // How long to keep asking, in seconds, read each time from the page.
    var limit = Number(story.getAttribute("data-poll-for") || 600) * 1000;
    if (Date.now() - started >= limit) {
      stop("Stopped checking. Use “Check again” to look once more.");
      return;
    }
    timer = setTimeout(poll, delays[Math.min(attempt, delays.length - 1)]);
    attempt++;
  }

  function poll() {
    fetch(pollURL, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (u) {
        if (u.status === status) { schedule(); return; }
        return update();
      })
      .catch(function () { schedule(); });
  }

  // update fetches the page as it is now and replaces the parts that
  // changed, leaving the reader's place alone.
  function update() {
    return fetch(pageURL, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-part]").forEach(function (el) {
          var fresh = doc.querySelector('[data-part="' + el.getAttribute("data-part") + '"]');
          if (fresh) el.replaceWith(document.importNode(fresh, true));
        });
        var headline = doc.querySelector("[data-part=story] h2");
        var next = document.querySelector("[data-poll]");
        if (next) {
          story = next;
          status = story.getAttribute("data-status");
          say("Updated: " + (headline ? headline.textContent : "the status changed") + " Still checking…");
          attempt = 0; started = Date.now();
          schedule();
        } else {
          clearTimeout(timer);
          say("Updated: " + (headline ? headline.textContent : "the status changed"));
          again.hidden = true;
        }
      });
  }

  again.addEventListener("click", function (e) { e.preventDefault(); start(); });
  start();
})();

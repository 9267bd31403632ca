// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Forms with a time zone field: the browser's zone, so typed times mean local times.
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll('input[type="hidden"][name$="timezone"]').forEach(function (input) {
    if (!input.value && zone) { input.value = zone; }
  });

  // Stored times the server prefilled in UTC, shown in local time (the zone above says so).
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  if (zone) {
    document.querySelectorAll('input[type="datetime-local"][data-utc]').forEach(function (input) {
      var moment = new Date(input.getAttribute("data-utc"));
      if (isNaN(moment.getTime())) { return; }
      input.value = moment.getFullYear() + "-" + pad(moment.getMonth() + 1) + "-" +
        pad(moment.getDate()) + "T" + pad(moment.getHours()) + ":" + pad(moment.getMinutes());
    });
  }

  // Times written in UTC by the server, shown in the reader's own time zone.
  document.querySelectorAll("time[data-local]").forEach(function (node) {
    var moment = new Date(node.getAttribute("datetime"));
    if (!isNaN(moment.getTime())) {
      node.title = node.textContent;
      node.textContent = moment.toLocaleString(undefined, {
        day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
      });
    }
  });

  // Live character count for captions. X weighs URLs as 23 and wide characters as 2;
  // the server's screening (advocacy/compliance.py) has the final word.
  var URL = /(?:https?:\/\/|www\.)[^\s]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\/[^\s]*/gi;
  function weight(text, network) {
    if (network !== "x") { return Array.from(text).length; }
    var urls = text.match(URL) || [];
    var rest = text.replace(URL, "");
    var total = urls.length * 23;
    Array.from(rest).forEach(function (ch) {
      var code = ch.codePointAt(0);
      var light = code <= 4351 || (code >= 8192 && code <= 8205) ||
        (code >= 8208 && code <= 8223) || (code >= 8242 && code <= 8247);
      total += light ? 1 : 2;
    });
    return total;
  }
  document.querySelectorAll("textarea[data-limit]").forEach(function (area) {
    var output = document.getElementById(area.id + "-count");
    if (!output) { return; }
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    var extra = parseInt(area.getAttribute("data-extra") || "0", 10);
    var network = area.getAttribute("data-network");
    var disclosure = area.getAttribute("data-disclosure") || "";
    function update() {
      var text = area.value.trim();
      var missing = disclosure && text.toLowerCase().indexOf(disclosure.toLowerCase()) < 0;
      var used = weight(text, network) + extra + (missing ? disclosure.length + 1 : 0);
      output.textContent = used + " / " + limit;
      output.classList.toggle("over", used > limit);
    }
    area.addEventListener("input", update);
    update();
  });
})();

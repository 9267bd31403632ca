// Dashboard charts, drawn from figures the server wrote as JSON (dashboards/charts.py):
// each <script type="application/json" data-chart="ID"> holds the figure for the element
// with that id. Load after plotly.min.js (both deferred, so they run in document order);
// without plotly the page keeps its tables and empty states.
(function () {
  "use strict";
  var Plotly = window.Plotly;
  if (!Plotly) { return; }

  // A download icon with "SVG" under it, so the two image buttons tell themselves apart.
  var SVG_ICON = {
    width: 1000,
    height: 1000,
    path: "M440 40h120v290h140L500 530 300 330h140z M180 570h640v50H180z" +
      "M130 700h220v60H130z M130 700h60v180h-60z M130 820h220v60H130z M290 820h60v180h-60z" +
      "M130 940h220v60H130z M390 700h70l50 220 50-220h70l-90 300h-60z" +
      "M670 700h220v60H670z M670 700h60v300h-60z M670 940h220v60H670z M830 840h60v160h-60z" +
      "M770 840h120v60H770z"
  };

  // The toolbar shows on hover (on a phone, on tap), as plotly does by default.
  function config(filename) {
    var svgButton = {
      name: "downloadSvg",
      title: "Download as SVG (for print and slides)",
      icon: SVG_ICON,
      click: function (gd) { Plotly.downloadImage(gd, { format: "svg", filename: filename }); }
    };
    return {
      responsive: true,
      displaylogo: false,
      scrollZoom: false,
      toImageButtonOptions: { format: "png", filename: filename, scale: 2 },
      modeBarButtons: [["toImage", svgButton]]
    };
  }

  document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (node) {
    var id = node.getAttribute("data-chart");
    var target = document.getElementById(id);
    if (!target) { return; }
    var figure;
    try { figure = JSON.parse(node.textContent); } catch (e) { return; }
    var filename = node.getAttribute("data-filename") || id;
    target.classList.add("chart-drawn");
    Plotly.newPlot(target, figure.data, figure.layout, config(filename.replace(/[^\w-]+/g, "-")));
  });
})();

/* Draw every chart of the page with the vendored vega-embed (SVG, no actions menu).
   Each chart's data table is already in the page; a chart that fails leaves it alone.
   Charts are drawn once the page's fonts are loaded, so that Vega measures labels in the
   font it draws them with. Small multiples (usermeta.cell = {min, gap}) get as many
   columns as the chart's box holds, each panel sharing its width. */
(function () {
  "use strict";
  function fit(el, spec) {
    var cell = spec.usermeta && spec.usermeta.cell;
    if (!cell || !spec.spec) { return spec; }
    var width = el.clientWidth || 320;
    var columns = Math.max(1, Math.floor(width / (cell.min + cell.gap)));
    spec.columns = columns;
    spec.spec.width = Math.floor(width / columns) - cell.gap;
    return spec;
  }
  function draw() {
    var nodes = document.querySelectorAll("[data-spec]");
    Array.prototype.forEach.call(nodes, function (el) {
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source || typeof window.vegaEmbed !== "function") { return; }
      var spec = fit(el, JSON.parse(source.textContent));
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        el.setAttribute("data-rendered", "true");
        var svg = el.querySelector("svg");
        if (svg) {
          svg.setAttribute("aria-hidden", "true");
          svg.setAttribute("focusable", "false");
        }
      }).catch(function (err) {
        el.setAttribute("data-rendered", "error");
        if (window.console) { window.console.error(err); }
      });
    });
  }
  function start() {
    var fonts = document.fonts;
    if (!fonts || !document.querySelector("[data-spec]")) { draw(); return; }
    var faces = ["12px \"Noto Sans\"", "bold 12px \"Noto Sans\"", "12px \"Noto Sans Arabic\"",
                 "bold 12px \"Noto Sans Arabic\""];
    var sample = document.body.textContent.slice(0, 2000);
    Promise.all(faces.map(function (f) { return fonts.load(f, sample); }))
      .then(function () { return fonts.ready; }, function () { return null; })
      .then(draw, draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

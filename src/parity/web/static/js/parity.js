/* Draw every chart of the page with the vendored vega-embed (SVG, no actions menu).
   Each chart's data table is already in the page; a chart that fails leaves it alone. */
(function () {
  "use strict";
  function draw() {
    var nodes = document.querySelectorAll("[data-spec]");
    Array.prototype.forEach.call(nodes, function (el) {
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source || typeof window.vegaEmbed !== "function") { return; }
      var spec = JSON.parse(source.textContent);
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());

// Draws every chart of a page: a <div data-chart="ID"> with its Vega-Lite spec in
// <script type="application/json" id="ID">. vegaEmbed comes from /static/vega.js.
(function () {
  "use strict";
  function draw() {
    if (typeof window.vegaEmbed !== "function") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        el.setAttribute("data-rendered", "true");
      }).catch(function (err) { el.textContent = "chart failed: " + err; });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();

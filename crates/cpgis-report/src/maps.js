(function () {
  "use strict";
  // Pan (drag) and zoom (wheel) on each map by its viewBox; double-click resets; a click on a
  // building or zone shows its attributes below the map. No request, nothing stored.
  document.querySelectorAll("svg.map").forEach(function (svg) {
    var b = svg.viewBox.baseVal;
    var home = [b.x, b.y, b.width, b.height];
    var v = home.slice();
    var info = document.getElementById(svg.id + "-info");
    function set() {
      svg.setAttribute("viewBox", v.map(function (n) { return n.toFixed(2); }).join(" "));
    }
    function at(e) {
      var r = svg.getBoundingClientRect();
      return [v[0] + (e.clientX - r.left) / r.width * v[2], v[1] + (e.clientY - r.top) / r.height * v[3]];
    }
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var k = e.deltaY < 0 ? 0.8 : 1.25;
      var w = Math.min(home[2], Math.max(home[2] / 64, v[2] * k));
      var s = w / v[2];
      var p = at(e);
      v = [p[0] - (p[0] - v[0]) * s, p[1] - (p[1] - v[1]) * s, w, v[3] * s];
      set();
    }, { passive: false });
    var drag = null;
    var moved = false;
    svg.addEventListener("mousedown", function (e) {
      drag = [e.clientX, e.clientY, v[0], v[1]];
      moved = false;
    });
    window.addEventListener("mousemove", function (e) {
      if (!drag) { return; }
      var r = svg.getBoundingClientRect();
      var dx = e.clientX - drag[0];
      var dy = e.clientY - drag[1];
      if (Math.abs(dx) + Math.abs(dy) > 2) { moved = true; }
      v[0] = drag[2] - dx / r.width * v[2];
      v[1] = drag[3] - dy / r.height * v[3];
      set();
    });
    window.addEventListener("mouseup", function () { drag = null; });
    svg.addEventListener("dblclick", function () { v = home.slice(); set(); });
    svg.addEventListener("click", function (e) {
      if (moved || !info) { return; }
      var t = e.target;
      var title = t && t.querySelector ? t.querySelector("title") : null;
      if (title && t !== svg) { info.textContent = title.textContent; }
    });
  });
})();

/* Draws the lineage graph from the JSON the server embedded in #graph-data.
 * Every string from the store goes into text nodes (textContent), never into HTML. */
(function () {
  "use strict";
  var holder = document.getElementById("graph");
  var source = document.getElementById("graph-data");
  if (!holder || !source || typeof vis === "undefined") return;
  var data = JSON.parse(source.textContent);

  var STYLE = {
    central: { shape: "box", color: { background: "#b71c1c", border: "#7f0000" }, font: { color: "#ffffff" } },
    local: { shape: "box", color: { background: "#1565c0", border: "#0d3c78" }, font: { color: "#ffffff" } },
    document: { shape: "box", color: { background: "#5d4037", border: "#3e2723" }, font: { color: "#ffffff" } },
    activity: { shape: "ellipse", color: { background: "#ffca28", border: "#c79a00" }, font: { color: "#1b1b1b" } },
    body: { shape: "hexagon", color: { background: "#2e7d32", border: "#1b5e20" }, font: { color: "#1b1b1b" } },
    observation: { shape: "diamond", color: { background: "#8e24aa", border: "#5c007a" }, font: { color: "#1b1b1b" } }
  };

  function tooltip(text) {
    var el = document.createElement("div");
    el.className = "graph-tip";
    el.textContent = text; // plain text: vis-network would render an HTML string
    return el;
  }

  var nodes = data.nodes.map(function (n) {
    var style = STYLE[n.kind] || STYLE.local;
    return {
      id: n.id, label: n.label, level: n.level, url: n.url, kind: n.kind,
      title: tooltip(n.summary), shape: style.shape,
      color: style.color, font: style.font, size: 14,
      widthConstraint: { maximum: 220 }
    };
  });
  var edges = data.edges.map(function (e, i) {
    return {
      id: "e" + i, from: e.from, to: e.to, label: e.label, arrows: "to",
      dashes: e.relation === "carried_out_by" || e.relation === "resulted_in",
      font: { size: 11, align: "middle", background: "#ffffff" }
    };
  });

  var network = new vis.Network(holder, {
    nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges)
  }, {
    layout: { hierarchical: { enabled: true, direction: "UD", sortMethod: "directed", levelSeparation: 130, nodeSpacing: 190 } },
    physics: { enabled: false },
    interaction: { hover: true, tooltipDelay: 150, navigationButtons: false, keyboard: true },
    edges: { smooth: { type: "cubicBezier", forceDirection: "vertical", roundness: 0.4 }, color: { color: "#666" } }
  });
  network.once("afterDrawing", function () { holder.setAttribute("data-ready", "1"); });

  network.on("click", function (params) {
    if (!params.nodes.length) return;
    var node = nodes.find(function (n) { return n.id === params.nodes[0]; });
    if (node && node.url) window.location.href = node.url;
  });
  network.on("hoverNode", function () { holder.style.cursor = "pointer"; });
  network.on("blurNode", function () { holder.style.cursor = "default"; });

  /* For tests and power users: the DOM position of a node, by id. */
  window.kgGraph = {
    network: network,
    nodes: data.nodes,
    domPosition: function (id) {
      var p = network.getPositions([id])[id];
      if (!p) return null;
      var d = network.canvasToDOM(p);
      var r = holder.getBoundingClientRect();
      return { x: r.left + d.x, y: r.top + d.y };
    },
    focus: function (id) {
      holder.scrollIntoView({ block: "center" });
      network.focus(id, { scale: 1.0, animation: false });
    }
  };

  /* The controls reload the page; a change submits at once. */
  var form = document.querySelector(".graph-controls");
  if (form) {
    form.addEventListener("change", function () { form.submit(); });
  }
})();

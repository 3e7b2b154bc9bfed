/* YASGUI against this server's read-only endpoint, with the example queries from queries/.
 * No network beyond this origin: no persistence to other hosts, no CORS proxy, no catalogue. */
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || typeof Yasgui === "undefined") return;
  var examples = JSON.parse(document.getElementById("examples-data").textContent || "[]");
  var endpoint = window.location.origin + "/sparql";
  var fallback = [
    "PREFIX eli: <http://data.europa.eu/eli/ontology#>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
    "PREFIX kgo: <https://w3id.org/pctp-kg/ontology#>",
    "SELECT ?instrument ?label ?notation WHERE {",
    "  ?instrument a kgo:Instrument ; rdfs:label ?label .",
    "  OPTIONAL { ?instrument eli:id_local ?notation }",
    "} ORDER BY ?label LIMIT 50"
  ].join("\n");

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    yasqe: { value: examples.length ? examples[0].query : fallback, resizeable: true, editorHeight: "260px" },
    yasr: { prefixes: {} }
  });
  var tab = yasgui.getTab();
  if (tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  tab.setQuery(examples.length ? examples[0].query : fallback);
  window.kgYasgui = yasgui;

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var ex = examples[Number(button.getAttribute("data-index"))];
      if (!ex) return;
      var current = yasgui.getTab();
      current.setQuery(ex.query);
      current.query();
    });
  });
})();

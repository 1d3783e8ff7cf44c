// YASGUI on the local endpoint, with the canned questions as examples (all offline).
(function () {
  const examples = JSON.parse(document.getElementById("examples-data").textContent);
  const endpoint = window.location.origin + "/sparql";
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistencyExpire: 0,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
  });
  window.tpbcYasgui = yasgui;
  const select = document.getElementById("examples");
  document.getElementById("load-example").addEventListener("click", function () {
    const example = examples[Number(select.value)];
    const tab = yasgui.getTab();
    tab.setQuery(example.text);
  });
  if (!yasgui.getTab().getQuery().trim() || yasgui.getTab().getQuery().includes("SELECT * WHERE {\n  ?sub ?pred ?obj .")) {
    yasgui.getTab().setQuery(examples.length ? examples[0].text : "SELECT * WHERE { ?s ?p ?o } LIMIT 10");
  }
})();

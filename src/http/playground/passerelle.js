// Starts GraphiQL (embedded UMD build) on passerelle's /graphql, pre-filled with the examples:
// one tab per example, the first one active, the documentation explorer open.
(function () {
  const examples = window.PASSERELLE_EXAMPLES || {};
  const names = Object.keys(examples);
  const variablesFor = (name) => (name.startsWith("Formations") ? '{ "code": "69123" }' : "");

  // The headers typed in GraphiQL's headers editor (e.g. `X-Api-Key`) go with every request.
  async function fetcher(params, options) {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: Object.assign(
        { "Content-Type": "application/json", Accept: "application/graphql-response+json, application/json" },
        (options && options.headers) || {}
      ),
      body: JSON.stringify(params),
    });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (_) {
      return { errors: [{ message: "Réponse HTTP " + response.status + " illisible : " + text.slice(0, 200) }] };
    }
  }

  const tabs = names.map((name) => ({ query: "# " + name + "\n" + examples[name], variables: variablesFor(name) }));
  const logo = React.createElement(
    GraphiQL.Logo,
    null,
    React.createElement("span", { className: "passerelle-logo" },
      React.createElement("a", { href: "/playground/simple", title: "Page minimale, sans GraphiQL" }, "passerelle"))
  );
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(
      GraphiQL,
      {
        fetcher,
        defaultQuery: tabs.length ? tabs[0].query : "{ sources { id nom statut } }",
        defaultTabs: tabs,
        defaultEditorToolsVisibility: "variables",
        visiblePlugin: GraphiQL.React.DOC_EXPLORER_PLUGIN,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
      },
      logo
    )
  );
})();

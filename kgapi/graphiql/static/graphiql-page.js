// kgapi's GraphiQL page: the vendored UMD builds (globals React, ReactDOM, GraphiQL and
// GraphiQLPluginExplorer) mounted against this server's own /graphql. A file rather than an
// inline script, so the page's Content-Security-Policy can forbid inline script altogether.
"use strict";

(function () {
  const endpoint = new URL("/graphql", window.location.href);
  const socket = new URL(endpoint);
  socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  const DEFAULT_QUERY = `# kgapi: every fact with the sentence that states it.
# Ctrl-Enter runs it; Docs and Explorer are on the left.
{
  documents(first: 3) {
    totalCount
    edges { node { slug title language } }
  }
}
`;

  const fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    // Subscriptions (graphChanged) over graphql-transport-ws at the same path.
    subscriptionUrl: socket.href,
    // kgapi answers plain JSON; no multipart/mixed incremental delivery to negotiate.
    enableIncrementalDelivery: false,
  });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
    }),
  );
})();

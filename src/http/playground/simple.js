// The minimal page's script: the examples, a text area, and the answer of POST /graphql.
const EXAMPLES = window.PASSERELLE_EXAMPLES;
const $ = (id) => document.getElementById(id);
for (const name of Object.keys(EXAMPLES)) {
  const o = document.createElement("option"); o.textContent = name; $("example").appendChild(o);
}
$("example").addEventListener("change", () => {
  $("query").value = EXAMPLES[$("example").value];
  $("variables").value = $("example").value.startsWith("Formations") ? '{ "code": "69123" }' : "{}";
});
$("query").value = EXAMPLES[Object.keys(EXAMPLES)[0]];
async function run() {
  const status = $("status");
  let variables = {};
  try { variables = JSON.parse($("variables").value || "{}"); }
  catch (e) { status.className = "error"; status.textContent = "Variables : JSON invalide (" + e.message + ")"; return; }
  status.className = ""; status.textContent = "…";
  const started = performance.now();
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/graphql-response+json, application/json" },
      body: JSON.stringify({ query: $("query").value, variables })
    });
    const text = await response.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) {}
    $("result").textContent = shown;
    const ms = Math.round(performance.now() - started);
    status.className = response.ok ? "" : "error";
    status.textContent = "HTTP " + response.status + " · " + ms + " ms";
  } catch (e) {
    status.className = "error"; status.textContent = "Échec de la requête : " + e.message;
  }
}
$("run").addEventListener("click", run);
// `/?executer` runs the first example on load (used by the headless-browser test and for sharing a demo link).
if (new URLSearchParams(location.search).has("executer")) run();
document.addEventListener("keydown", (e) => { if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); } });

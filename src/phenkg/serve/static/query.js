// The query page: run the query with fetch, show the rows as a table, links to local pages.
// On a static site (PHENKG_LINKS.static) the query runs in the browser: Oxigraph compiled to
// WebAssembly (static/oxigraph/, from the npm package) over the site's N-Triples dump; with
// PHENKG_LINKS.endpoint set, it is sent to that live SPARQL endpoint instead.
(function () {
  "use strict";
  const base = window.PHENKG_BASE;
  const links = window.PHENKG_LINKS || { root: "/", suffix: "", static: false };
  const endpoint = links.endpoint || (links.static ? null : "/sparql");
  let engine = null;          // the in-browser store, loaded once
  const examples = JSON.parse(document.getElementById("examples-data").textContent);
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const downloads = document.getElementById("downloads");
  const truncated = document.getElementById("truncated");

  function el(tag, text) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Only http(s) IRIs become links: a javascript:, data: or vbscript: IRI in the data stays text.
  const webUrl = /^https?:\/\//i;

  function cell(term) {
    const td = el("td");
    if (!term) return td;
    const local = term.type === "uri" && term.value.startsWith(base) ? term.value.slice(base.length) : null;
    if (local !== null && !/^[\/\\]/.test(local)) {   // "//host" would be another site's URL
      const a = el("a", local);
      a.href = links.root + local + links.suffix;
      a.className = "local";
      td.appendChild(a);
    } else if (term.type === "uri" && webUrl.test(term.value)) {
      const a = el("a", term.value);
      a.href = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term.datatype) td.title = term.datatype;
    }
    return td;
  }

  function showTable(data) {
    results.replaceChildren();
    if (data.boolean !== undefined) {
      results.appendChild(el("p", "Answer: " + data.boolean));
      return;
    }
    const vars = data.head.vars;
    const rows = data.results.bindings;
    const table = el("table");
    table.className = "results";
    const headRow = el("tr");
    vars.forEach((v) => headRow.appendChild(el("th", v)));
    table.appendChild(el("thead")).appendChild(headRow);
    const body = el("tbody");
    rows.forEach((row) => {
      const tr = el("tr");
      vars.forEach((v) => tr.appendChild(cell(row[v])));
      body.appendChild(tr);
    });
    table.appendChild(body);
    results.appendChild(table);
    if (window.PHENKG_CHART) window.PHENKG_CHART(data, results);   // chart.js: 2-3 columns as a chart
    status.textContent = rows.length + " row" + (rows.length === 1 ? "" : "s");
  }

  function setDownloads(query) {
    if (!endpoint) return;
    downloads.querySelectorAll("a").forEach((a) => {
      a.href = endpoint + "?" + new URLSearchParams({ query: query, format: a.dataset.format });
    });
    downloads.hidden = false;
  }

  async function inBrowser(query) {
    if (!engine) {
      status.textContent = "loading the dataset into the browser…";
      const oxigraph = await import(links.root + "static/oxigraph/web.js");
      await oxigraph.default({ module_or_path: links.root + "static/oxigraph/web_bg.wasm" });
      const dump = await fetch(links.root + "dist/phenkg.nt");
      if (!dump.ok) throw new Error("the dump dist/phenkg.nt is missing (" + dump.status + ")");
      const store = new oxigraph.Store();
      store.load(await dump.text(), { format: "application/n-triples" });
      engine = store;
    }
    const answer = engine.query(query, { base_iri: base + "sparql", results_format: "application/sparql-results+json" });
    return typeof answer === "string" && answer.startsWith("{") ? JSON.parse(answer) : answer;
  }

  async function run(event) {
    if (event) event.preventDefault();
    const query = editor.value;
    status.textContent = "running…";
    truncated.hidden = true;
    const started = performance.now();
    try {
      if (!endpoint) {
        let answer;
        try {
          answer = await inBrowser(query);
        } catch (error) {
          results.replaceChildren(el("pre", String(error && error.message || error)));
          results.firstChild.className = "error";
          status.textContent = "error";
          return;
        }
        if (typeof answer === "string") {
          results.replaceChildren(el("pre", answer));
          status.textContent = "graph";
        } else {
          showTable(answer);
        }
        status.textContent += " in " + Math.round(performance.now() - started) + " ms (in this browser)";
        return;
      }
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/sparql-results+json, application/ld+json;q=0.9" },
        body: new URLSearchParams({ query: query }),
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        results.replaceChildren(el("pre", problem && problem.error ? problem.error.detail : response.statusText));
        results.firstChild.className = "error";
        status.textContent = "error " + response.status;
        return;
      }
      setDownloads(query);
      const cut = response.headers.get("X-Result-Truncated");
      if (cut) { truncated.textContent = "Results cut: " + cut; truncated.hidden = false; }
      if (type.includes("sparql-results+json")) {
        showTable(await response.json());
      } else {
        results.replaceChildren(el("pre", await response.text()));
        status.textContent = "graph";
      }
      status.textContent += " in " + Math.round(performance.now() - started) + " ms";
    } catch (error) {
      status.textContent = "failed: " + error;
    }
  }

  form.addEventListener("submit", run);
  document.querySelectorAll("button.example").forEach((button) => {
    button.addEventListener("click", () => {
      editor.value = examples[Number(button.dataset.index)].query;
      run();
    });
  });
  const asked = new URLSearchParams(location.search).get("query");   // a chart's "run it" link
  if (asked !== null) {
    editor.value = asked;   // the server fills it in already; a static site's page cannot
    run();
  }
})();

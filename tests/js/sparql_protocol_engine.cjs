'use strict';
/*
 * Engine module for `rdf-test-suite` (npm) when it runs the W3C SPARQL 1.1 Protocol manifest against
 * a live, read-only `phenkg serve` endpoint. It is CommonJS because rdf-test-suite loads its engine
 * with require() (Node 20 cannot require an ES module).
 *
 * rdf-test-suite sends every protocol request itself to the endpoint given in the `protocolEndpoint`
 * option (-i '{"protocolEndpoint": "http://127.0.0.1:N/sparql"}'), so this engine evaluates nothing:
 * parse() and query() are never called for protocol tests and throw if they are.
 *
 * One shim, and only one: before a test that lists ut:graphData, rdf-test-suite loads that data by
 * POSTing `DROP SILENT ALL ; INSERT DATA { GRAPH <g> { ... } ... }` as application/sparql-update to
 * the endpoint. A read-only endpoint refuses every update (that is what the update tests check), so
 * the test server is started already holding the graphs (data1-3.nt under their kasei.us names).
 * This module wraps globalThis.fetch so that exactly that load request is not sent; instead it
 * checks, with real queries to the endpoint, that every named graph in it holds exactly the quads
 * being loaded (ASK for all of them, and COUNT per graph), and answers 204 when it does or 409 with
 * the reason when it does not (rdf-test-suite then fails the test). Graphs the load does not name
 * are not checked: the DROP ALL part is not reproduced, and the protocol tests name their dataset in
 * every request. Every other request, including each update, goes to the endpoint unchanged.
 * Each intercepted load is logged to stderr as a line starting with `[phenkg-load-check]`.
 */
const N3 = require('n3');

const LOAD_PREFIX = 'DROP SILENT ALL ;\nINSERT DATA {';
const realFetch = globalThis.fetch;

function term(t) {
  if (t.termType === 'NamedNode') {
    return `<${t.value}>`;
  }
  if (t.termType === 'BlankNode') {
    return `_:${t.value}`;
  }
  const lexical = JSON.stringify(t.value);
  if (t.language) {
    return `${lexical}@${t.language}`;
  }
  return `${lexical}^^<${t.datatype.value}>`;
}

async function select(endpoint, query) {
  const response = await realFetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/sparql-query', accept: 'application/sparql-results+json' },
    body: query,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`query refused (HTTP ${response.status}): ${text}`);
  }
  return JSON.parse(text);
}

async function checkLoad(endpoint, update) {
  const trig = update.slice(LOAD_PREFIX.length).replace(/\}\s*$/u, '');
  const quads = new N3.Parser({ format: 'application/trig' }).parse(trig);
  const graphs = new Map();
  for (const quad of quads) {
    if (quad.graph.termType !== 'NamedNode') {
      return `the load puts data in the default graph, which the test server does not hold`;
    }
    const list = graphs.get(quad.graph.value) || [];
    list.push(`${term(quad.subject)} ${term(quad.predicate)} ${term(quad.object)} .`);
    graphs.set(quad.graph.value, list);
  }
  const patterns = [...graphs].map(([graph, triples]) => `GRAPH <${graph}> { ${triples.join(' ')} }`);
  const ask = await select(endpoint, `ASK { ${patterns.join(' ')} }`);
  if (ask.boolean !== true) {
    return `the endpoint does not hold all the quads being loaded`;
  }
  for (const [graph, triples] of graphs) {
    const result = await select(endpoint,
      `SELECT (COUNT(*) AS ?n) WHERE { GRAPH <${graph}> { ?s ?p ?o } }`);
    const count = Number(result.results.bindings[0].n.value);
    if (count !== new Set(triples).size) {
      return `graph <${graph}> holds ${count} triples, the load has ${new Set(triples).size}`;
    }
  }
  return null;
}

globalThis.fetch = async function fetchWithLoadCheck(input, init) {
  const method = ((init && init.method) || 'GET').toUpperCase();
  const headers = new Headers((init && init.headers) || {});
  const body = init && init.body;
  if (method === 'POST' && typeof body === 'string' && body.startsWith(LOAD_PREFIX) &&
    (headers.get('content-type') || '').startsWith('application/sparql-update')) {
    const endpoint = String(input);
    let problem;
    try {
      problem = await checkLoad(endpoint, body);
    } catch (error) {
      problem = error.message;
    }
    process.stderr.write(`[phenkg-load-check] ${endpoint} ${problem ? `FAILED: ${problem}` : 'ok'}\n`);
    return problem ?
      new Response(`read-only endpoint: test data not already present: ${problem}`, { status: 409 }) :
      new Response(null, { status: 204 });
  }
  return realFetch(input, init);
};

module.exports = {
  async parse() {
    throw new Error('this engine only runs SPARQL 1.1 Protocol tests against a live endpoint');
  },
  async query() {
    throw new Error('this engine only runs SPARQL 1.1 Protocol tests against a live endpoint');
  },
};

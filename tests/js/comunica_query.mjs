// Run SPARQL queries with Comunica (@comunica/query-sparql) against an endpoint given as a plain URL
// source, so that Comunica auto-detects what the source is (that detection is what the test checks).
//
//   node tests/js/comunica_query.mjs URL 'SELECT ...'      one query from argv
//   node tests/js/comunica_query.mjs URL < query.rq        one query from stdin
//   node tests/js/comunica_query.mjs --batch URL < q.json  a JSON array of queries from stdin
//   --stock-data-factory (before the URL): leave Comunica's own RDF term factory (see below)
//
// One query prints {"vars": [...], "rows": [...]} for SELECT (rows as SPARQL JSON bindings:
// variable -> {type, value[, xml:lang][, datatype]}, unbound variables left out, rows sorted) or
// {"boolean": true|false} for ASK. --batch prints {"results": [one of those, or {"error": ...}, ...],
// "requests": [{method, url, accept, status, contentType, location}, ...]}: every HTTP request
// Comunica made, in order, so a caller can see how the source was detected.
//
// Network: only the endpoint's origin. Every request goes through a fetch that refuses any other
// origin (remote JSON-LD contexts, vocabularies, ...), and redirects are followed by hand so a
// redirect cannot leave the origin either.
//
// Term factory: Comunica 4 creates terms with rdf-data-factory 1, but reads SPARQL endpoint results through
// fetch-sparql-endpoint 6 / sparqljson-parse 3, which call literal(value, {language, direction}), the
// rdf-data-factory 2 (RDF 1.2) signature; the v1 factory takes that object for a datatype, so every
// language tag is lost ("chat"@fr comes back as a plain "chat"). Every fresh install of Comunica 4 resolves
// to this combination. So by default this script gives Comunica an rdf-data-factory 2 factory (a superset of
// the v1 API); --stock-data-factory leaves the default, and the test checks the upstream bug is still there.
import { QueryEngine } from '@comunica/query-sparql';
import { DataFactory } from 'rdf-data-factory';

const XSD_STRING = 'http://www.w3.org/2001/XMLSchema#string';
const RDF_LANGSTRING = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString';

function usage(message) {
  process.stderr.write(`comunica_query: ${message}\n`
    + 'usage: comunica_query.mjs [--batch] [--stock-data-factory] ENDPOINT_URL [QUERY]   (query or JSON array on stdin)\n');
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function term(value) {
  switch (value.termType) {
    case 'NamedNode':
      return { type: 'uri', value: value.value };
    case 'BlankNode':
      return { type: 'bnode', value: value.value };
    case 'Literal': {
      const out = { type: 'literal', value: value.value };
      if (value.language) out['xml:lang'] = value.language;
      else if (value.datatype && value.datatype.value !== XSD_STRING && value.datatype.value !== RDF_LANGSTRING) {
        out.datatype = value.datatype.value;
      }
      return out;
    }
    case 'Quad':
      return { type: 'triple', value: { subject: term(value.subject), predicate: term(value.predicate),
        object: term(value.object) } };
    default:
      throw new Error(`unexpected term type ${value.termType}`);
  }
}

// JSON with object keys sorted, so equal rows print (and sort) the same way
function stable(value) {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function guardedFetch(origin, log) {
  const realFetch = globalThis.fetch;
  return async function fetchOnlyOrigin(input, init = {}) {
    let url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    for (let hop = 0; hop <= 5; hop++) {
      if (url.origin !== origin) {
        throw new Error(`comunica_query: refusing to fetch ${url} (only ${origin} is allowed)`);
      }
      const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
      const response = await realFetch(url, { ...init, headers, redirect: 'manual' });
      const location = response.headers.get('location');
      log.push({ method: init.method ?? 'GET', url: url.href, accept: headers.get('accept'),
        status: response.status, contentType: response.headers.get('content-type'), location });
      if (response.status < 300 || response.status >= 400 || !location) return response;
      url = new URL(location, url);
      if (response.status === 303) init = { ...init, method: 'GET', body: undefined };
    }
    throw new Error('comunica_query: too many redirects');
  };
}

async function run(engine, endpoint, query, fetch, stockFactory) {
  const context = {
    sources: [endpoint],   // a plain URL: Comunica detects the source type itself
    fetch,
    lenient: false,
    httpRetryCount: 0,
  };
  if (!stockFactory) context.dataFactory = new DataFactory();
  const result = await engine.query(query, context);
  if (result.resultType === 'boolean') return { boolean: await result.execute() };
  if (result.resultType !== 'bindings') throw new Error(`unsupported result type ${result.resultType}`);
  const vars = (await result.metadata()).variables.map((v) => (v.variable ?? v).value);
  const rows = [];
  for (const bindings of await (await result.execute()).toArray()) {
    const row = {};
    for (const [variable, value] of bindings) row[variable.value] = term(value);
    rows.push(row);
  }
  const keyed = rows.map((row) => [stable(row), row]);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { vars, rows: keyed.map(([, row]) => row) };
}

async function main() {
  const args = process.argv.slice(2);
  let batch = false;
  let stockFactory = false;
  while (args[0]?.startsWith('--')) {
    const flag = args.shift();
    if (flag === '--batch') batch = true;
    else if (flag === '--stock-data-factory') stockFactory = true;
    else usage(`unknown option ${flag}`);
  }
  if (args.length < 1 || args.length > (batch ? 1 : 2)) usage('wrong number of arguments');
  let endpoint;
  try {
    endpoint = new URL(args[0]);
  } catch {
    usage(`not a URL: ${args[0]}`);
  }
  const input = args[1] ?? await readStdin();
  const queries = batch ? JSON.parse(input) : [input];
  if (!Array.isArray(queries) || !queries.every((q) => typeof q === 'string')) {
    usage('--batch needs a JSON array of query strings on stdin');
  }
  const log = [];
  const fetch = guardedFetch(endpoint.origin, log);
  const engine = new QueryEngine();
  const results = [];
  for (const query of queries) {
    try {
      results.push(await run(engine, endpoint.href, query, fetch, stockFactory));
    } catch (error) {
      if (!batch) throw error;
      results.push({ error: String(error?.message ?? error) });
    }
  }
  process.stdout.write(`${JSON.stringify(batch ? { results, requests: log } : results[0], null, 1)}\n`);
}

main().catch((error) => {
  process.stderr.write(`comunica_query: ${error?.stack ?? error}\n`);
  process.exit(1);
});

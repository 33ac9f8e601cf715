// Frame a JSON-LD document: node jsonld_frame.mjs INPUT FRAME CONTEXT [PAPER_IRI ...] -> a JSON array of
// framed documents, one per paper IRI. The frame's "context.jsonld" reference loads the local CONTEXT
// file; any other remote document is refused.
import { readFileSync } from "node:fs";
import jsonld from "jsonld";

const [input, framePath, contextPath, ...papers] = process.argv.slice(2);
const context = JSON.parse(readFileSync(contextPath, "utf8"));
const documentLoader = async (url) => {
  if (url.endsWith("context.jsonld")) return { contextUrl: null, documentUrl: url, document: context };
  throw new Error(`refused to load ${url}`);
};
const doc = JSON.parse(readFileSync(input, "utf8"));
const frame = JSON.parse(readFileSync(framePath, "utf8"));
const out = [];
for (const iri of papers) {
  const framed = await jsonld.frame(doc, { ...frame, "@id": iri },
    { documentLoader, omitGraph: true, base: "https://example.invalid/" });
  out.push(framed);
}
process.stdout.write(JSON.stringify(out));

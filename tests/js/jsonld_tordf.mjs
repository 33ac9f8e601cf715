// JSON-LD file -> N-Quads on stdout, with the reference processor; any remote document is refused.
// A second argument "1.0" processes it as a JSON-LD 1.0 processor would (processingMode json-ld-1.0).
import { readFileSync } from "node:fs";
import jsonld from "jsonld";

const refuse = async (url) => { throw new Error(`refused to load ${url}`); };
const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const mode = process.argv[3] === "1.0" ? { processingMode: "json-ld-1.0" } : {};
const nquads = await jsonld.toRDF(doc, { format: "application/n-quads", documentLoader: refuse, safe: true, ...mode });
process.stdout.write(nquads);

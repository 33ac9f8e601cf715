// JSON-LD file -> N-Quads on stdout, with the reference processor; any remote document is refused.
import { readFileSync } from "node:fs";
import jsonld from "jsonld";

const refuse = async (url) => { throw new Error(`refused to load ${url}`); };
const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const nquads = await jsonld.toRDF(doc, { format: "application/n-quads", documentLoader: refuse, safe: true });
process.stdout.write(nquads);

// Validate a Turtle data file against Turtle shapes files with rdf-validate-shacl (an independent
// SHACL implementation) and print a JSON summary for tests/test_shapes.py.
//
//   node tests/js/shacl_validate.mjs DATA.ttl SHAPES.ttl [SHAPES.ttl ...]
//
// rdf-validate-shacl does not implement SHACL-SPARQL (it throws on sh:sparql), so the sh:sparql
// links are dropped from the shapes here and the Python test compares core-constraint results only.
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { Parser } from 'n3'
import rdf from '@rdfjs/data-model'
import datasetFactory from '@rdfjs/dataset'
import SHACLValidator from 'rdf-validate-shacl'

const SH_SPARQL = 'http://www.w3.org/ns/shacl#sparql'

function load (paths, skipPredicate = null) {
  const dataset = datasetFactory.dataset()
  for (const path of paths) {
    const parser = new Parser({ format: 'text/turtle', baseIRI: pathToFileURL(path).href })
    for (const quad of parser.parse(readFileSync(path, 'utf8'))) {
      if (quad.predicate.value === skipPredicate) continue
      dataset.add(rdf.quad(quad.subject, quad.predicate, quad.object))
    }
  }
  return dataset
}

const [dataPath, ...shapesPaths] = process.argv.slice(2)
if (!dataPath || shapesPaths.length === 0) {
  console.error('usage: node shacl_validate.mjs DATA.ttl SHAPES.ttl [SHAPES.ttl ...]')
  process.exit(2)
}
const validator = new SHACLValidator(load(shapesPaths, SH_SPARQL))
const report = await validator.validate(load([dataPath]))
const local = (term) => (term ? term.value.replace(/^.*[#/]/, '') : null)
const results = report.results.map((r) => ({
  severity: local(r.severity),
  focus: r.focusNode ? r.focusNode.value : null,
  path: r.path ? r.path.value : null,
  component: local(r.sourceConstraintComponent)
}))
console.log(JSON.stringify({ conforms: report.conforms, results }))

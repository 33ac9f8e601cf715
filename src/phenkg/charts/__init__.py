"""Charts, each backed by its SPARQL query: the queries (queries/*.rq), the table of charts and their
Vega-Lite specifications (units.py), co-author network layouts (network.py), writing every chart as a
unit of query, data, specification and offline-rendered SVG (build.py), and the HTML that shows a
page's charts (html.py)."""

DIR = "charts"      # the folder of a build's dist/ that holds them

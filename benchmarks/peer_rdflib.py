"""The end-to-end peer: rdflib parses a Turtle file and serializes the same graph as Turtle.

    python benchmarks/peer_rdflib.py IN.ttl OUT.ttl
"""

from __future__ import annotations

import sys

import rdflib


def main(source: str, target: str) -> None:
    graph = rdflib.Graph()
    graph.parse(source, format="turtle")
    graph.serialize(target, format="turtle")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""phenkg: an awesome-list of deep-learning papers as a validated linked-data knowledge graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("phenkg")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

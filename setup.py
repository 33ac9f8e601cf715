"""Ships the top-level `shapes/` and `ontology/` inside the package (read by `phenkg.resources`).

They stay at the top of the repository as the source of truth; building a wheel, directly or from the
sdist (which carries them, see MANIFEST.in), copies their `*.ttl` into `phenkg/resources/`. An editable
install copies nothing: `phenkg.resources` reads the checkout's folders. Everything else is in
pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("shapes", "ontology")


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder in SHIPPED:
            files = sorted((HERE / folder).glob("*.ttl"))
            if not files:
                raise SystemExit(f"setup.py: no {folder}/*.ttl next to setup.py; a wheel without them is broken")
            target = Path(self.build_lib, "phenkg", "resources", folder)
            self.mkpath(str(target))
            for file in files:
                self.copy_file(str(file), str(target / file.name))


setup(cmdclass={"build_py": BuildPyWithResources})

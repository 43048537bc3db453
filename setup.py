"""Package discovery, the one thing pyproject.toml cannot say.

Every package under digest/ is found, not listed. The theme lives at the top level
(templates/) for editors to read, and ships inside the wheel as `digest.templates` (its
folders as namespace packages) so an installed digest finds it without the repository.
"""

from setuptools import find_namespace_packages, find_packages, setup

THEME = "digest.templates"

setup(
    packages=[
        *find_packages(include=["digest", "digest.*"]),
        THEME,
        *(f"{THEME}.{name}" for name in find_namespace_packages(where="templates")),
    ],
    package_dir={THEME: "templates"},
)

"""Package discovery, the one thing pyproject.toml cannot say.

Every package under digest/ is found, not listed. The theme lives at the top level
(templates/) for editors to read, and ships inside the wheel as `digest.templates` (its
folders as namespace packages) so an installed digest finds it without the repository.
"""

from setuptools import find_namespace_packages, setup

THEME = "digest.templates"

setup(
    packages=[
        # Namespace discovery: data folders (templates/, locale/) are packages of their own.
        *find_namespace_packages(include=["digest", "digest.*"], exclude=["*.__pycache__"]),
        THEME,
        *(f"{THEME}.{name}" for name in find_namespace_packages(where="templates")),
    ],
    package_dir={THEME: "templates"},
)

"""Where the project's files live: the project root, its annotations, releases and seeds."""

from __future__ import annotations

import os
from pathlib import Path

from corpus.errors import CorpusError, Location, Problem

ROOT_ENV = "CORPUS_ROOT"


def _is_root(path: Path) -> bool:
    return (path / "annotations").is_dir() and (path / "schema").is_dir()


def project_root() -> Path:
    """The project root: ``$CORPUS_ROOT``, else the nearest parent of the current
    directory holding ``annotations/`` and ``schema/``, else the source checkout this
    package was installed from (editable installs)."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if _is_root(candidate):
            return candidate
    checkout = Path(__file__).resolve().parents[2]
    if _is_root(checkout):
        return checkout
    return cwd


def annotations_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "annotations"


def working_dir(root: Path | None = None) -> Path:
    """The editable working copy of the annotations (one JSON file per document)."""
    return annotations_dir(root) / "working"


def releases_dir(root: Path | None = None) -> Path:
    """Immutable releases, one folder per version."""
    return annotations_dir(root) / "releases"


def changelog_path(root: Path | None = None) -> Path:
    return annotations_dir(root) / "CHANGELOG.md"


def build_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "build"


def refuse_release_output(
    output: Path,
    root: Path | None = None,
    *,
    message: str = "releases are never modified; choose an output outside annotations/releases",
    whole_folder: bool = True,
) -> None:
    """``OUTPUT_IN_RELEASE`` (exit 2) when writing ``output`` would change a release: it lies
    in ``annotations/releases`` or is that folder, or (``whole_folder``: the output replaces a
    folder as a whole) a folder holding it. A single file written at ``output`` replaces no
    folder (``whole_folder=False``), so a folder above the project, such as ``/tmp``, is no
    release."""
    root = root or project_root()
    releases = releases_dir(root).resolve()
    target = Path(os.path.realpath(output))  # Path.resolve raises on a symlink loop
    holds_releases = whole_folder and target in releases.parents
    if target == releases or releases in target.parents or holds_releases:
        try:
            shown = target.relative_to(root.resolve()).as_posix()
        except ValueError:
            shown = str(output)
        raise CorpusError([Problem(shown, None, Location(), "OUTPUT_IN_RELEASE", message)])


#: project folders that no output may replace as a whole
PROTECTED_FOLDERS = ("seeds", "schema", "annotations", "src", "tests", "notebooks")


def refuse_replacing_project_folder(output: Path, root: Path | None = None) -> None:
    """``OUTPUT_IS_PROJECT_FOLDER`` (exit 2) when replacing the folder ``output`` as a whole
    would remove project files: it is the project root, holds one of the project's own
    folders (seeds, schema, annotations, ...), or lies inside one."""
    root = Path(os.path.realpath(root or project_root()))
    target = Path(os.path.realpath(output))
    for name in PROTECTED_FOLDERS:
        folder = root / name
        if folder.is_relative_to(target) or target.is_relative_to(folder):
            raise CorpusError(
                [
                    Problem(
                        str(output),
                        None,
                        Location(),
                        "OUTPUT_IS_PROJECT_FOLDER",
                        f"replacing this folder would remove files of the project's {name}/; "
                        "choose an output folder of its own, such as build/brat",
                    )
                ]
            )


def refuse_output_folder(output: Path, *, replace: bool) -> None:
    """The checks of a command that writes a whole folder: never into a release
    (``OUTPUT_IN_RELEASE``), never replacing a project folder (``OUTPUT_IS_PROJECT_FOLDER``),
    and an existing non-empty ``output`` only when ``replace`` (else ``OUTPUT_EXISTS``)."""
    refuse_release_output(output)
    if replace and output.exists():
        refuse_replacing_project_folder(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())) and not replace:
        raise CorpusError(
            [
                Problem(
                    str(output),
                    None,
                    Location(),
                    "OUTPUT_EXISTS",
                    "the output exists and is not an empty folder (use --force to replace it)",
                )
            ]
        )

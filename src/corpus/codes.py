"""The registry of problem codes: each code's exit status, meaning and commands.

Every :class:`~corpus.errors.Problem` carries one of these codes; the exit status of a
:class:`~corpus.errors.CorpusError` is derived from its problems' codes (the highest
wins), so no caller decides it. The code tables of the documentation (``docs/errors.md``
lists every code; ``docs/cli.md`` and ``docs/labelstudio.md`` those of ``validate`` and
``ls import``) are generated from this registry (:func:`markdown_table`;
``python -m corpus.codes`` rewrites every table of README.md and docs/*.md) and a test
keeps the two equal, so the documentation cannot drift from the code.

Exit statuses: ``0`` clean, ``1`` the input was read and problems were found in it (or a
request was refused), ``2`` the input could not be used at all (missing, unreadable, not
JSON, bad arguments, a server that cannot be reached).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: exit status when the input was read and problems were found in it
EXIT_PROBLEMS = 1
#: exit status when the input could not be used at all (missing file, not JSON, bad arguments)
EXIT_UNUSABLE = 2

#: the commands of a code that any command reading documents can report
READING = "*"


@dataclass(frozen=True)
class Code:
    """One problem code: its exit status, what it means and which commands report it."""

    name: str
    exit: int
    commands: tuple[str, ...]
    meaning: str


def _codes(*rows: tuple[str, int, str, str]) -> dict[str, Code]:
    table: dict[str, Code] = {}
    for name, exit_status, commands, meaning in rows:
        if name in table:
            raise ValueError(f"problem code {name} is registered twice")
        table[name] = Code(name, exit_status, tuple(commands.split(", ")), meaning)
    return table


_VALIDATE = "validate, *"
_RELEASE = "validate, release, *"
_LS_IMPORT = "ls import, ls pull, agreement"
_LS_SERVER = "ls install, ls serve, ls push, ls pull"
_BRAT = "import brat, agreement"

#: every problem code, grouped as docs/errors.md shows them
CODES: dict[str, Code] = _codes(
    # -- the document checks of `corpus validate` (schema layer, then semantic layer)
    (
        "UNKNOWN_ENTITY_TYPE",
        1,
        f"{_VALIDATE}, import brat",
        "a `type` that is not an entity label of the inventory (the message lists the allowed "
        "labels)",
    ),
    (
        "UNKNOWN_RELATION_TYPE",
        1,
        f"{_VALIDATE}, import brat",
        "a `type` that is not a relation label of the inventory",
    ),
    (
        "SCHEMA_REQUIRED",
        1,
        _VALIDATE,
        "a required property is missing (pointer: the object that lacks it)",
    ),
    ("SCHEMA_TYPE", 1, _VALIDATE, 'wrong JSON type (`"start": "12"`, a list instead of an object)'),
    (
        "SCHEMA_ADDITIONAL_PROPERTY",
        1,
        _VALIDATE,
        "a property the format does not define (pointer: the property)",
    ),
    ("SCHEMA_PATTERN", 1, _VALIDATE, "an id, language tag or sha256 of the wrong form"),
    ("SCHEMA_MINIMUM", 1, _VALIDATE, "a number below its minimum (a negative offset)"),
    ("SCHEMA_MIN_LENGTH", 1, _VALIDATE, "a string too short (empty span text)"),
    ("SCHEMA_MIN_ITEMS", 1, _VALIDATE, "an array too short (a cluster of fewer than two)"),
    (
        "SCHEMA_<KEYWORD>",
        1,
        _VALIDATE,
        "any other JSON Schema keyword, in upper snake case (`SCHEMA_ONE_OF`, ...)",
    ),
    (
        "OFFSET_NOT_INTEGER",
        1,
        f"{_VALIDATE}, ls import",
        "an offset written as a float (`3.0`), or in a Label Studio region not an integer at all",
    ),
    (
        "OFFSET_OUT_OF_RANGE",
        1,
        f"{_VALIDATE}, ls import",
        "`end` beyond the text, or `start >= end`; in a Label Studio region, offsets outside the "
        "text",
    ),
    (
        "SPAN_TEXT_MISMATCH",
        1,
        _VALIDATE,
        "`text[start:end]` differs from the entity's `text` (both shown with `repr`, so an NBSP "
        "shows as `\\xa0`)",
    ),
    ("SPAN_WHITESPACE", 1, _VALIDATE, "a span that starts or ends with whitespace"),
    ("SEED_HASH_MISMATCH", 1, _VALIDATE, "the sha256 of the UTF-8 text differs from `seed.sha256`"),
    (
        "SEED_TEXT_MISMATCH",
        1,
        _VALIDATE,
        "the seed file's bytes differ from the text (message: first differing character)",
    ),
    (
        "SEED_MISSING",
        1,
        _VALIDATE,
        "the seed file (`seed.path`, relative to the project root) does not exist",
    ),
    (
        "DUPLICATE_ID",
        1,
        f"{_VALIDATE}, import brat",
        "an id used twice in a document (entities, relations and clusters share one id space, as "
        "in brat), or a document id used twice in a set",
    ),
    ("DANGLING_HEAD", 1, _VALIDATE, "a relation head that is no entity of the document"),
    ("DANGLING_TAIL", 1, _VALIDATE, "a relation tail that is no entity of the document"),
    ("SELF_RELATION", 1, _VALIDATE, "head and tail are the same entity"),
    (
        "RELATION_TYPE_NOT_ALLOWED",
        1,
        _VALIDATE,
        "argument types the inventory does not allow for that relation (symmetric relations "
        "accept either order)",
    ),
    (
        "DUPLICATE_RELATION",
        1,
        f"{_VALIDATE}, ls import",
        "same type, head and tail twice (for a symmetric type, also the swapped pair)",
    ),
    ("CLUSTER_UNKNOWN_ENTITY", 1, _VALIDATE, "a cluster member that is no entity of the document"),
    ("CLUSTER_DUPLICATE_MEMBER", 1, _VALIDATE, "an entity listed twice in one cluster"),
    ("ENTITY_IN_SEVERAL_CLUSTERS", 1, _VALIDATE, "an entity in more than one cluster"),
    ("CLUSTER_MIXED_TYPES", 1, _VALIDATE, "a cluster whose mentions have different entity types"),
    ("DUPLICATE_SPAN", 1, _VALIDATE, "two entities with the same type, start and end"),
    (
        "CROSSING_SPANS",
        1,
        f"{_VALIDATE}, render",
        "two spans that overlap while neither contains the other",
    ),
    (
        "FILE_NAME_MISMATCH",
        1,
        "validate, release",
        "a document file not named `<document id>.json`",
    ),
    (
        "INVALID_UNICODE",
        1,
        _VALIDATE,
        'a string holding a lone surrogate escape (`"\\ud800"`), which is not a character',
    ),
    # -- input that cannot be used at all
    ("NOT_FOUND", 2, "validate, *", "a file or folder named on the command line does not exist"),
    (
        "UNREADABLE",
        2,
        "validate, *",
        "a file that cannot be read (a folder named like a file, no permission)",
    ),
    (
        "NOT_A_FILE",
        2,
        "validate, ls import, import brat, *",
        "a FIFO, device or socket where a file is expected: refused without reading it (a FIFO "
        "would block, `/dev/zero` never ends)",
    ),
    (
        "TOO_LARGE",
        2,
        "validate, ls import, import brat, *",
        "a file over the input size limit (64 MiB for a document or brat file, 256 MiB for a "
        "Label Studio export read whole, 4 GiB for one `ls import` reads a task at a time; "
        "`corpus.inputs`), refused before it is read",
    ),
    ("NOT_UTF8", 2, "validate, *", "a file that is not UTF-8 (location: the first bad byte)"),
    (
        "NOT_JSON",
        2,
        "validate, *",
        "a file that is not JSON (location: line and column), or JSON nested too deeply",
    ),
    ("NO_DOCUMENTS", 2, "validate, *", "a folder without document files"),
    (
        "OS_ERROR",
        2,
        "*",
        "the file system refused an operation no command anticipated (the path is named)",
    ),
    (
        "WORKER_FAILED",
        2,
        "validate, release, build, ls export, ls import",
        "a worker process stopped before its work was done (killed, or out of memory); the "
        "command stopped with it and published nothing: run it again, or with CORPUS_JOBS=1",
    ),
    # -- releases and their verification
    (
        "CHECKSUM_MISMATCH",
        1,
        _RELEASE,
        "a release file whose sha256 differs from the manifest: the released file was changed",
    ),
    ("RELEASE_FILE_MISSING", 1, _RELEASE, "a file the manifest lists is missing from the release"),
    ("RELEASE_FILE_UNLISTED", 1, _RELEASE, "a file in the release that the manifest does not list"),
    ("MANIFEST_MISSING", 1, _RELEASE, "a release folder without `manifest.json`"),
    ("MANIFEST_INVALID", 1, _RELEASE, "a manifest of the wrong shape (pointer: where)"),
    (
        "MANIFEST_VERSION_MISMATCH",
        1,
        _RELEASE,
        "the manifest's version differs from the folder name",
    ),
    ("RELEASE_NAME_INVALID", 1, _RELEASE, "a release folder not named `X.Y.Z`"),
    (
        "MANIFEST_COUNTS_MISMATCH",
        1,
        _RELEASE,
        "the counts recorded in the manifest differ from the documents",
    ),
    (
        "MANIFEST_CHANGED",
        1,
        _RELEASE,
        "a manifest whose sha256 differs from the one `annotations/releases.sha256` records: a "
        "released manifest was edited (restore it)",
    ),
    (
        "RELEASE_CHAIN_BROKEN",
        1,
        _RELEASE,
        "a manifest's `previous` link does not name the release before it with the sha256 its "
        "manifest had",
    ),
    (
        "RELEASE_NOT_INDEXED",
        1,
        _RELEASE,
        "a release the index does not record: an interrupted `corpus release` (`corpus release "
        "--repair` records it), or a folder added by hand",
    ),
    ("RELEASE_MISSING", 1, "validate, release", "a recorded release whose folder is gone"),
    (
        "INDEX_MISSING",
        1,
        "validate, release",
        "releases without `annotations/releases.sha256` (`corpus release --repair` recreates it "
        "from the manifests as they are)",
    ),
    (
        "INDEX_INVALID",
        1,
        "validate, release",
        "a line of the index that is not `<sha256>  releases/X.Y.Z/manifest.json`",
    ),
    (
        "CHANGELOG_ENTRY_MISSING",
        1,
        "validate",
        "a release without its `## X.Y.Z - DATE` entry in `annotations/CHANGELOG.md` (default "
        "run; `corpus release --repair` rewrites it)",
    ),
    (
        "CHANGELOG_OUT_OF_DATE",
        1,
        "validate",
        "a changelog that differs from the one the manifests give (`corpus release --repair` "
        "rewrites it)",
    ),
    (
        "RELEASE_HISTORY_BROKEN",
        1,
        "release",
        "refusing to release over an edited or removed release (its problems are listed first)",
    ),
    (
        "REPAIR_REFUSED",
        1,
        "release --repair",
        "`--repair` never touches an edited or removed release: restore it from version control",
    ),
    ("RELEASE_IN_PROGRESS", 1, "release", "another `corpus release` holds the lock"),
    ("VERSION_INVALID", 2, "release", "the version is not `MAJOR.MINOR.PATCH`"),
    ("MESSAGE_EMPTY", 2, "release", "a release without a message (`-m`)"),
    ("VERSION_EXISTS", 1, "release", "the release already exists; releases are never modified"),
    ("VERSION_NOT_GREATER", 1, "release", "the version is not greater than the latest release"),
    (
        "WORKING_COPY_INVALID",
        1,
        "release",
        "the working copy has problems (listed before it), so it is not released",
    ),
    ("EMPTY_WORKING_COPY", 1, "release", "the working copy has no documents"),
    (
        "CHANGELOG_UNREADABLE",
        2,
        "release",
        "`annotations/CHANGELOG.md` cannot be read as UTF-8, so the release's entry cannot be "
        "added",
    ),
    (
        "RELEASE_WRITE_FAILED",
        1,
        "release",
        "the release could not be written (nothing is left behind)",
    ),
    ("RELEASE_NOT_FOUND", 2, "*", "`--version` names no release (an empty version included)"),
    ("NO_RELEASE", 2, "build, *", "there is no release yet where one is needed"),
    # -- outputs
    (
        "OUTPUT_IN_RELEASE",
        2,
        "build, export brat, export conll, import brat, ls import, ls pull",
        "an output inside `annotations/releases/`, which is never modified",
    ),
    (
        "OUTPUT_IS_PROJECT_FOLDER",
        2,
        "export brat",
        "`--force` would replace a folder of the project (`seeds/`, `schema/`, the working copy, "
        "...)",
    ),
    (
        "OUTPUT_EXISTS",
        2,
        "export brat",
        "the output exists and is not an empty folder (use `--force` to replace it)",
    ),
    (
        "OUTPUT_NOT_A_DATASET",
        2,
        "build",
        "the output exists and is not a dataset folder built by `corpus build`; it is left alone",
    ),
    (
        "OUTPUT_RELEASES_ONLY",
        2,
        "build",
        "`build/dataset/` holds builds of releases only: the working copy (or another folder of "
        "documents) builds into `build/dataset-working/` (`build/dataset-<name>/`)",
    ),
    # -- evaluation
    (
        "NO_GOLD_DOCUMENT",
        2,
        "evaluate",
        "a predicted document without a gold document of the same id",
    ),
    (
        "TEXT_MISMATCH",
        1,
        f"evaluate, {_LS_IMPORT}, import brat",
        "an annotation's text differs from the text it is on: a predicted document's text from "
        "the gold text, a Label Studio `value.text` from `text[start:end]` (code points; a span "
        "across a line break that differs in whitespace alone is accepted), a brat line's text "
        "from the `.txt`",
    ),
    # -- the Label Studio import
    (
        "LS_MALFORMED",
        1,
        _LS_IMPORT,
        "not Label Studio's JSON export shape (not a list of tasks, result not a list, ...)",
    ),
    ("TASK_NO_DOCUMENT", 1, _LS_IMPORT, "a task without `data.document_id`"),
    ("TASK_NO_TEXT", 1, _LS_IMPORT, "a task without a `data.text` string"),
    (
        "TASK_NO_METADATA",
        1,
        _LS_IMPORT,
        "a task for a document the corpus does not have, without `data.metadata`",
    ),
    ("UNKNOWN_DOCUMENT", 1, _LS_IMPORT, "no seed file for the document id"),
    (
        "TEXT_DIFFERS_FROM_SEED",
        1,
        _LS_IMPORT,
        "the task text is not the seed text (first differing code point given)",
    ),
    (
        "SEED_CHANGED",
        1,
        _LS_IMPORT,
        "the seed's sha256 differs from the one stored with the document or the task",
    ),
    ("UNKNOWN_CONTROL", 1, _LS_IMPORT, "`from_name`/`to_name`/`type` not in our config"),
    ("EMPTY_SPAN", 1, _LS_IMPORT, "a region with `start >= end`"),
    ("LABEL_COUNT", 1, _LS_IMPORT, "a region or relation without exactly one label"),
    ("UNKNOWN_LABEL", 1, _LS_IMPORT, "a region label not in the inventory"),
    ("DUPLICATE_REGION", 1, _LS_IMPORT, "two labelled regions with one id"),
    ("RELATION_MISSING_REGION", 1, _LS_IMPORT, "`from_id`/`to_id` is not a region"),
    ("UNKNOWN_RELATION", 1, _LS_IMPORT, "a relation label not in the inventory"),
    (
        "RELATION_NOT_ALLOWED",
        1,
        _LS_IMPORT,
        "argument types the inventory does not allow for the relation",
    ),
    ("RELATION_DIRECTION", 1, _LS_IMPORT, "direction `bi` on a directed relation type"),
    ("CLUSTER_MISSING_REGION", 1, _LS_IMPORT, "a cluster id on a region that has no label"),
    ("CLUSTER_AMBIGUOUS", 1, _LS_IMPORT, "two cluster ids on one mention"),
    ("CLUSTER_SINGLETON", 1, _LS_IMPORT, "a cluster id given to one mention only"),
    (
        "SEVERAL_ANNOTATORS",
        1,
        "ls import",
        "a task annotated by several people: choose one (`--annotator`, `--ground-truth`) or "
        "import each (`--by-annotator`); `ls pull` keeps each for adjudication instead",
    ),
    (
        "SEVERAL_ANNOTATIONS",
        1,
        _LS_IMPORT,
        "one annotator with several annotations of a task: keep one, or choose with "
        "`--ground-truth`",
    ),
    (
        "DUPLICATE_DOCUMENT",
        1,
        _LS_IMPORT,
        "one document (and annotator) from two tasks, or two annotators written to one folder",
    ),
    ("NOTHING_TO_IMPORT", 1, _LS_IMPORT, "no task has an annotation to import"),
    (
        "UNKNOWN_ANNOTATOR",
        1,
        "ls import, ls pull",
        "`--annotator` names nobody who annotated a task of the export (the message lists who did)",
    ),
    (
        "BY_ANNOTATOR_NEEDS_OUTPUT",
        2,
        "ls import, ls pull",
        "`--by-annotator` without `-o DIR` (or with the working copy as DIR): its per-annotator "
        "folders are no working documents and `validate` would not see them",
    ),
    (
        "LS_EXPORT_FORMAT",
        2,
        "ls import",
        "a Label Studio JSON_MIN, CSV/TSV or CoNLL export, which has no relations or region "
        'ids: export as "JSON" (full) instead',
    ),
    # -- imports over working documents (`corpus.overwrite`)
    (
        "WOULD_ERASE_ANNOTATIONS",
        1,
        "ls import, ls pull, import brat",
        "the import would remove every annotation of a document that has some (pass "
        "`--allow-erase` if that is intended)",
    ),
    (
        "WOULD_CHANGE_TEXT",
        1,
        "ls import, ls pull, import brat",
        "the import would change a document's text or seed (pass `--allow-text-change` if "
        "that is intended)",
    ),
    # -- the Label Studio server
    ("LS_NO_TOKEN", 2, "ls push, ls pull", "`LABEL_STUDIO_API_KEY` is not set"),
    (
        "LS_INSTALL_FAILED",
        2,
        "ls install, ls serve",
        "installing Label Studio into its own virtual environment failed",
    ),
    (
        "LS_START_FAILED",
        2,
        "ls serve",
        "Label Studio exited while starting (its log's tail is shown)",
    ),
    ("LS_START_TIMEOUT", 2, "ls serve", "Label Studio did not answer its health check in time"),
    ("LS_DATA_DIR_FOREIGN", 2, "ls serve", "the data folder was not made by `corpus ls serve`"),
    ("LS_UNREACHABLE", 2, _LS_SERVER, "Label Studio cannot be reached at its URL"),
    ("LS_AUTH", 2, _LS_SERVER, "Label Studio refused the token"),
    ("LS_NO_PROJECT", 2, _LS_SERVER, "there is no project with that id on the server"),
    ("LS_API_ERROR", 2, _LS_SERVER, "any other failed request, or an export that is not JSON"),
    # -- brat
    (
        "CARRIAGE_RETURN",
        1,
        "export brat, import brat, agreement",
        "a text with a carriage return, which brat reads as a line break (offsets would "
        "shift); reading brat, CRLF line ends in a `.txt` or `.ann`, named once at the first",
    ),
    (
        "BYTE_ORDER_MARK",
        1,
        _BRAT,
        "a brat `.txt` or `.ann` starting with a UTF-8 byte order mark, which shifts every "
        "offset by one",
    ),
    (
        "SPAN_EDGE_NEWLINE",
        1,
        "export brat",
        "a span that starts or ends with a line break, which a brat span cannot express",
    ),
    ("MALFORMED_LINE", 1, _BRAT, "an `.ann` line of no known shape"),
    (
        "UNSUPPORTED_ANNOTATION",
        1,
        _BRAT,
        "brat events, attributes or normalisations, which the model has no place for",
    ),
    ("BAD_OFFSETS", 1, _BRAT, "a span empty, reversed or outside the text"),
    ("DISCONTINUOUS_SPAN", 1, _BRAT, "fragments separated by more than line breaks"),
    (
        "DANGLING_ARGUMENT",
        1,
        _BRAT,
        "a relation argument, coreference member or note about no text-bound annotation",
    ),
    ("BAD_ARGUMENT_ROLES", 1, _BRAT, "relation arguments other than `Arg1:<id> Arg2:<id>`"),
    ("MISSING_TEXT", 1, _BRAT, "an `.ann` without its `.txt`"),
    (
        "BAD_SIDECAR",
        1,
        _BRAT,
        "a `.corpus.json` sidecar that cannot be read or is not of its shape (pointer: where)",
    ),
    (
        "SEED_NOT_FOUND",
        1,
        "import brat",
        "a document without a sidecar whose text is no seed's (by sha256) and no working or "
        "released document's: add the text first (`corpus add`) or keep the sidecar",
    ),
    # -- growing the corpus: add, split, pre-annotation
    ("EMPTY_TEXT", 2, "add", "a text file that is empty or only whitespace"),
    ("ID_INVALID", 2, "add", "an `--id` that is not a usable document id"),
    ("ID_WITH_SEVERAL_FILES", 2, "add", "`--id` given with more than one file"),
    ("DATE_INVALID", 2, "add", "a `--published` date that is not YYYY, YYYY-MM or YYYY-MM-DD"),
    ("URL_INVALID", 2, "add", "a `--url` that is not an http(s) address"),
    (
        "SEED_EXISTS",
        1,
        "add",
        "a different file already holds that name in seeds/ (the same bytes are reused)",
    ),
    ("DUPLICATE_TEXT", 1, "add", "the same text is already a document of the corpus"),
    (
        "RATIOS_INVALID",
        2,
        "split",
        "`--ratios` that are not three non-negative numbers summing to 1",
    ),
    (
        "SPLIT_UNASSIGNED",
        1,
        "release",
        "a working document without a split (assign one with `corpus split` or `add --split`)",
    ),
    (
        "PREANNOTATOR_INVALID",
        2,
        "preannotate-eval, ls export, ls push, ls serve",
        "a `--pre-annotator module:function` that cannot be imported or is not callable",
    ),
    (
        "PREANNOTATOR_FAILED",
        1,
        "preannotate-eval, ls export, ls push, ls serve",
        "the pre-annotator raised an error",
    ),
    (
        "PREDICTION_INVALID",
        1,
        "preannotate-eval, ls export, ls push, ls serve",
        "a pre-annotator's prediction with an unknown type, bad offsets or a score outside 0..1",
    ),
    # -- agreement
    ("NEEDS_TWO_ANNOTATORS", 2, "agreement", "fewer than two annotations to compare"),
    ("DUPLICATE_ANNOTATOR", 2, "agreement", "two annotations with the same name"),
    (
        "NOT_AN_AGREEMENT_INPUT",
        2,
        "agreement",
        "not a Label Studio export, a folder of annotators or two or more paths",
    ),
    ("NO_SHARED_DOCUMENTS", 1, "agreement", "two annotations without a document in common"),
    ("TEXT_DIFFERS", 1, "agreement", "two annotations of one document on different texts"),
)

_SCHEMA_FAMILY = re.compile(r"SCHEMA_[A-Z0-9]+(_[A-Z0-9]+)*")


def lookup(name: str) -> Code | None:
    """The registered code, ``SCHEMA_<KEYWORD>`` standing for every schema keyword."""
    code = CODES.get(name)
    if code is None and _SCHEMA_FAMILY.fullmatch(name):
        return CODES["SCHEMA_<KEYWORD>"]
    return code


def exit_status(names: Iterable[str]) -> int:
    """The exit status for problems with these codes: the highest of theirs (an unknown
    code counts as :data:`EXIT_PROBLEMS`), ``0`` for none."""
    status = 0
    for name in names:
        code = lookup(name)
        status = max(status, code.exit if code is not None else EXIT_PROBLEMS)
    return status


# --------------------------------------------------------------------------- documentation tables

#: the generated tables of the documentation: name -> which codes it lists
TABLES: dict[str, tuple[str, ...]] = {
    "validate": tuple(n for n, c in CODES.items() if "validate" in c.commands),
    "ls import": tuple(n for n, c in CODES.items() if "ls import" in c.commands),
    "all": tuple(CODES),
}

_BEGIN = "<!-- codes: {name} (generated by `python -m corpus.codes`) -->"
_END = "<!-- /codes -->"
_BLOCK = re.compile(r"<!-- codes: (?P<name>[a-z ]+) \(generated[^>]*-->\n.*?<!-- /codes -->", re.S)


def _commands(code: Code) -> str:
    shown = [f"`{c}`" for c in code.commands if c != READING]
    if READING in code.commands:
        shown.append("any that reads documents")
    return ", ".join(shown)


def markdown_table(name: str) -> str:
    """The Markdown table ``name``: one row per code with its exit status and meaning."""
    rows = ["| code | exit | commands | meaning |", "| --- | --- | --- | --- |"]
    for code in (CODES[n] for n in TABLES[name]):
        rows.append(f"| `{code.name}` | {code.exit} | {_commands(code)} | {code.meaning} |")
    return "\n".join(rows)


def render_markdown(text: str) -> str:
    """``text`` with every generated code table brought up to date."""

    def block(match: re.Match[str]) -> str:
        name = match.group("name")
        return f"{_BEGIN.format(name=name)}\n{markdown_table(name)}\n{_END}"

    return _BLOCK.sub(block, text)


def markdown_blocks(text: str) -> list[str]:
    """The names of the generated tables in a Markdown text, in order."""
    return [m.group("name") for m in _BLOCK.finditer(text)]


def documentation_files(root: Path) -> list[Path]:
    """The Markdown files whose tables are generated: README.md and docs/*.md."""
    return [p for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))] if p.is_file()]


def main(argv: list[str]) -> int:
    """``python -m corpus.codes [FILE.md ...]``: regenerate the code tables of these files
    (default: README.md and docs/*.md of the current folder); print each file changed."""
    paths = [Path(name) for name in argv] or documentation_files(Path.cwd())
    for path in paths:
        text = path.read_text(encoding="utf-8")
        fresh = render_markdown(text)
        if fresh != text:
            path.write_text(fresh, encoding="utf-8")
            print(f"rewrote the code tables of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

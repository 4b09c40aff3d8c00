"""``corpus ls`` commands on a throw-away project (no server): files written, or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus.cli import main
from tests.labelstudio.ls_helpers import GOLD_ID, as_export, snapshot


def exported(root: Path, tmp_path: Path, *, annotators: tuple[int, ...] = (1,)) -> Any:
    tasks_file = tmp_path / "tasks.json"
    assert main(["ls", "export", "--as", "annotations", "-o", str(tasks_file)]) == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert [t["data"]["version"] for t in tasks] == ["1.0.0"]
    return as_export(tasks, annotators=annotators)


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_config_command_writes_the_xml(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "config.xml"
    assert main(["ls", "config", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("<View>")


def test_import_writes_working_copy_and_diff_shows_the_edit(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = exported(project, tmp_path)
    radicalism = next(i for i in export[0]["annotations"][0]["result"] if i.get("id") == "T28")
    export[0]["annotations"][0]["result"].remove(radicalism)
    assert main(["ls", "import", str(write(tmp_path / "export.json", export))]) == 0
    assert "wrote annotations/working/" in capsys.readouterr().out
    assert main(["validate"]) == 0
    capsys.readouterr()
    assert main(["diff", "1.0.0", "working"]) == 0
    out = capsys.readouterr().out
    assert '- entity T28 THREAT [925:935] "radicalism"' in out
    assert "+ entity" not in out and "~ entity" not in out and "relation R" not in out


def test_nothing_written_on_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = exported(project, tmp_path, annotators=(1, 2))  # user 2's copy stays valid
    capsys.readouterr()
    result = export[0]["annotations"][0]["result"]
    result[0]["value"]["end"] = 99999
    before = snapshot(project)
    source = str(write(tmp_path / "bad.json", export))
    out = tmp_path / "by"
    assert main(["ls", "import", source, "--by-annotator", "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "OFFSET_OUT_OF_RANGE" in err[0]
    assert "task 1 annotation 101 region T1" in err[0] and "Traceback" not in err[0]
    assert snapshot(project) == before
    assert not out.exists()


def test_several_annotators_by_annotator(project: Path, tmp_path: Path) -> None:
    export = exported(project, tmp_path, annotators=(1, 2))
    out = tmp_path / "by"
    assert (
        main(
            [
                "ls",
                "import",
                str(write(tmp_path / "e.json", export)),
                "-o",
                str(out),
                "--by-annotator",
            ]
        )
        == 0
    )
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json")) == [
        f"user_1/{GOLD_ID}.json",
        f"user_2/{GOLD_ID}.json",
    ]
    assert main(["validate", str(out / "user_1")]) == 0


def test_refuses_to_write_into_a_release(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = write(tmp_path / "e.json", exported(project, tmp_path))
    before = snapshot(project)
    for target in ("annotations/releases/1.0.0/documents", "annotations/releases"):
        assert main(["ls", "import", str(export), "-o", str(project / target)]) == 2
        assert "OUTPUT_IN_RELEASE" in capsys.readouterr().err
    assert snapshot(project) == before


def test_config_export_and_saved_export_never_written_into_a_release(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-a-token")
    release = "annotations/releases/1.0.0"
    before = snapshot(project)
    for argv, shown in (
        (["ls", "config", "-o"], f"{release}/manifest.json"),
        (["ls", "export", "-o"], f"{release}/documents/tasks.json"),
        # refused before the (unreachable) server is asked anything
        (
            ["ls", "pull", "--url", "http://127.0.0.1:9", "--project", "1", "--save-export"],
            f"{release}/manifest.json",
        ),
    ):
        assert main([*argv, str(project / shown)]) == 2
        assert capsys.readouterr().err == (
            f"{shown}: -: /: OUTPUT_IN_RELEASE: releases are never modified; "
            "choose an output outside annotations/releases\n"
        )
    assert snapshot(project) == before


def test_unusable_export_files(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    assert main(["ls", "import", str(tmp_path / "broken.json")]) == 2
    assert "NOT_JSON" in capsys.readouterr().err
    assert main(["ls", "import", str(tmp_path / "missing.json")]) == 2
    assert "NOT_FOUND" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ((), "task 1 at /0/annotations: LS_MALFORMED: annotations is not a list"),
        (
            (0, "result"),
            "task 1 annotation 1 at /0/annotations/0/result: LS_MALFORMED: result is not a list",
        ),
    ],
)
def test_annotations_or_result_of_the_wrong_type_are_ls_malformed(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    where: tuple[Any, ...],
    message: str,
) -> None:
    export = exported(project, tmp_path)
    export[0]["id"] = 1
    export[0]["annotations"][0]["id"] = 1
    parent = export[0]["annotations"]
    for key in where[:-1]:
        parent = parent[key]
    if where:
        parent[where[-1]] = 5
    else:
        export[0]["annotations"] = 5
    before = snapshot(project)
    capsys.readouterr()
    assert main(["ls", "import", str(write(tmp_path / "e.json", export))]) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'e.json'}: {GOLD_ID}: {message}\n"
    assert snapshot(project) == before


def test_push_and_pull_without_token_or_server(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    assert main(["ls", "pull", "--url", "http://127.0.0.1:9", "--project", "1"]) == 2
    assert "LS_NO_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "0" * 40)
    assert main(["ls", "push", "--url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "LS_UNREACHABLE" in err and "0" * 40 not in err and len(err.splitlines()) == 1


def test_makefile_installs_the_same_label_studio_version() -> None:
    from corpus import lsserver
    from tests.labelstudio.ls_helpers import REPO

    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert f"LS_VERSION := {lsserver.LABEL_STUDIO_VERSION}\n" in makefile
    assert lsserver.stamp_path(REPO).name.endswith(lsserver.LABEL_STUDIO_VERSION)


def test_ci_requires_the_real_server() -> None:
    from tests.labelstudio.ls_helpers import server_required

    assert server_required({"CI": "true"}) and server_required({"CI": "1"})
    assert not server_required({}) and not server_required({"CI": "false"})


def test_bad_url_and_html_error_page_are_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-a-token")
    assert main(["ls", "pull", "--url", "http://[::1", "--project", "1"]) == 2
    assert capsys.readouterr().err == (
        "http://[::1: -: /: LS_UNREACHABLE: cannot reach Label Studio at http://[::1 "
        "(who am I): Invalid port: ':1'\n"
    )

    # a web server that is not Label Studio answers with a multi-line HTML 404 page
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert main(["ls", "push", "--url", url]) == 2
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert err.startswith(f"{url}: -: /: LS_API_ERROR: who am I failed: HTTP 404: <!DOCTYPE")
    assert len(err.splitlines()) == 1


def test_import_onto_a_symlink_loop_is_one_line(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = write(tmp_path / "e.json", exported(project, tmp_path))
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    capsys.readouterr()
    assert main(["ls", "import", str(export), "-o", str(tmp_path / "a")]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path / 'a'}: -: /: OS_ERROR: exists and is not a folder, "
        "so nothing can be written inside it; nothing was written (the 1 document(s) of "
        "this import are written all or none; the previous files are unchanged)\n"
    )


@pytest.mark.parametrize("email", ["..", ".", ".hidden"])
def test_by_annotator_folders_stay_inside_the_output(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], email: str
) -> None:
    export = exported(project, tmp_path)
    export[0]["annotations"][0]["completed_by"] = {"id": 1, "email": email}
    out = tmp_path / "out" / "in"
    source = write(tmp_path / "e.json", export)
    assert main(["ls", "import", str(source), "-o", str(out), "--by-annotator"]) == 0
    expected = email.strip(".") or "annotator"
    assert [
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.json")
    ] == [f"in/{expected}/{GOLD_ID}.json"]


def test_by_annotator_names_sharing_a_folder_are_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = exported(project, tmp_path, annotators=(1, 2))
    first, second = export[0]["annotations"]
    first["completed_by"] = {"id": 1, "email": "x y"}
    second["completed_by"] = {"id": 2, "email": "x_y"}
    out = tmp_path / "out"
    capsys.readouterr()
    source = write(tmp_path / "e.json", export)
    assert main(["ls", "import", str(source), "-o", str(out), "--by-annotator"]) == 1
    assert capsys.readouterr().err == (
        f"{out / 'x_y' / GOLD_ID}.json: {GOLD_ID}: /: DUPLICATE_DOCUMENT: annotators 'x y' and "
        "'x_y' would both be written to x_y/; import them one at a time with --annotator\n"
    )
    assert not out.exists()


def test_import_beside_a_working_document_of_the_wrong_shape(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The working copy's ids are reserved from its raw JSON, whatever its shape."""
    export = write(tmp_path / "e.json", exported(project, tmp_path))
    working = project / "annotations" / "working" / f"{GOLD_ID}.json"
    data = json.loads(working.read_text(encoding="utf-8"))
    working.write_text(json.dumps({**data, "entities": 5}), encoding="utf-8")
    assert main(["ls", "import", str(export), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / f"{GOLD_ID}.json").is_file()


def test_pulled_export_of_the_wrong_shape_is_left_to_the_import(
    project: Path, tmp_path: Path
) -> None:
    from corpus import lsserver
    from corpus.errors import CorpusError
    from corpus.ls_project import import_export

    odd: list[Any] = [{"annotations": 5}, {"annotations": [1, {"completed_by": 2}]}, "task"]
    named = lsserver.name_annotators(odd, {2: "ann@example.com"})
    assert named[0] == {"annotations": 5} and named[2] == "task"
    assert named[1]["annotations"][1]["completed_by"] == {"id": 2, "email": "ann@example.com"}
    with pytest.raises(CorpusError) as caught:
        import_export(named, file="pulled", out_dir=tmp_path / "out")
    assert caught.value.exit_code == 1
    assert {p.code for p in caught.value.problems} == {"LS_MALFORMED"}
    assert not (tmp_path / "out").exists()


def test_serve_stops_on_ctrl_c_with_exit_0(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C is how `corpus ls serve` (and `make annotate`) is meant to end: exit 0, the
    server stopped. The server here is a stand-in process (a unit test of our own loop);
    the data folder is one serve made before, so no project is created."""
    import signal
    import subprocess
    import sys
    import threading

    from corpus import lsserver

    data = tmp_path / "ls-data"
    data.mkdir()
    (data / "label_studio.sqlite3").write_bytes(b"")
    state = {"username": "annotator@example.com", "password": "pw", "project": 1}
    (data / "corpus-serve.json").write_text(json.dumps(state), encoding="utf-8")
    started: list[lsserver.Server] = []

    def start(executable: Path, data_dir: Path, login: Any, **kwargs: Any) -> lsserver.Server:
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        started.append(lsserver.Server(process, "http://127.0.0.1:9", data_dir, data / "log"))
        return started[-1]

    monkeypatch.setattr(lsserver, "install", lambda root: Path(sys.executable))
    monkeypatch.setattr(lsserver, "start", start)
    handlers = {n: signal.getsignal(n) for n in (signal.SIGTERM, signal.SIGHUP)}
    timer = threading.Timer(1.5, signal.raise_signal, (signal.SIGINT,))  # Ctrl-C
    timer.start()
    try:
        assert main(["ls", "serve", "--data-dir", str(data), "--port", "9"]) == 0
    finally:
        timer.cancel()
        for number, handler in handlers.items():
            signal.signal(number, handler)
    out = capsys.readouterr().out
    assert "Press Ctrl-C to stop the server." in out and "stopping Label Studio..." in out
    assert started[0].process.poll() is not None  # the server was stopped

"""Real ``corpus`` processes for the race and kill tests, started cheaply.

Importing jsonschema takes seconds on a loaded machine, so one helper process (a "zygote")
imports the package once and forks a fresh child per command. Each child is a separate
process running ``corpus.cli.main(argv)``, exactly what the ``corpus`` script runs; it waits
for a barrier file first, so two children start their command at the same moment. The test
kills a child with ``SIGKILL`` by its pid.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import corpus

SOURCES = str(Path(corpus.__file__).resolve().parents[1])

ZYGOTE = r"""
import json, os, signal, sys, time
import corpus.release
from corpus.cli import main
from corpus.schema import document_validator
document_validator()
print(json.dumps({"ready": os.getpid()}), flush=True)
for line in sys.stdin:
    order = json.loads(line)
    if order["op"] == "wait":
        _, status = os.waitpid(order["pid"], 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
        continue
    pid = os.fork()
    if pid == 0:
        out = os.open(order["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.environ["CORPUS_ROOT"] = order["root"]
        os.chdir(order["root"])
        if order.get("kill_at"):
            def die(*args, **kwargs):
                os.kill(os.getpid(), signal.SIGKILL)
            setattr(corpus.release, order["kill_at"], die)
        if order.get("hold_at"):
            def hold(*args, **kwargs):
                open(order["barrier"] + ".held", "w").close()
                while not os.path.exists(order["barrier"] + ".go"):
                    time.sleep(0.0005)
            setattr(corpus.release, order["hold_at"], hold)
        while not os.path.exists(order["barrier"]):
            time.sleep(0.0005)
        try:
            code = main(order["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
"""


class Zygote:
    """Forks ``corpus`` command processes (for the project ``root``, which may change)."""

    def __init__(self, root: Path, scratch: Path) -> None:
        env = {**os.environ, "PYTHONPATH": SOURCES}
        self.root = root
        self.scratch = scratch
        scratch.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=scratch,
        )
        self._read()  # ready
        self.count = 0

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the zygote process died"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _send(self, order: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(order) + "\n")
        self.process.stdin.flush()
        return self._read()

    def start(
        self,
        argv: list[str],
        barrier: Path,
        kill_at: str | None = None,
        hold_at: str | None = None,
    ) -> Run:
        """A child running ``corpus ARGV`` once ``barrier`` exists; ``kill_at`` names a
        hook of :mod:`corpus.release` where it kills itself, ``hold_at`` one where it
        creates ``<barrier>.held`` and waits for ``<barrier>.go``."""
        self.count += 1
        output = self.scratch / f"out-{self.count}.txt"
        answer = self._send(
            {
                "op": "run",
                "argv": argv,
                "root": str(self.root),
                "barrier": str(barrier),
                "output": str(output),
                "kill_at": kill_at,
                "hold_at": hold_at,
            }
        )
        return Run(self, int(answer["pid"]), output)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


class Run:
    def __init__(self, zygote: Zygote, pid: int, output: Path) -> None:
        self.zygote, self.pid, self.output = zygote, pid, output
        self.code: int | None = None

    def wait(self) -> int:
        """The exit status (negative: killed by that signal)."""
        if self.code is None:
            self.code = int(self.zygote._send({"op": "wait", "pid": self.pid})["code"])
        return self.code

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8")

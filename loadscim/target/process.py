"""EmbeddedTarget: run the embedded target in its own process, for a run or a test.

::

    with EmbeddedTarget(faults=["lost-update"], token="t0k3n", seed=7) as target:
        target.url  # 'http://127.0.0.1:43127/v2'

The child is ``python -m loadscim.target --port 0 ...`` in its own session, so a Ctrl-C in
the parent's terminal does not reach it: the parent stops it (SIGTERM, then SIGKILL after a
timeout), and the child stops by itself when the parent dies first
(``LOADSCIM_TARGET_PARENT_PID``). The token goes to the child in the environment
(``LOADSCIM_TARGET_TOKEN``), never on its command line, which any user can read with ``ps``.

This module imports neither gevent nor scim2-server, and works with or without gevent's
monkey-patching in the parent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from types import TracebackType
from typing import IO

from loadscim.errors import EXIT_ERROR, TargetError, UsageError
from loadscim.target.faults import FaultPlan

TOKEN_ENV = "LOADSCIM_TARGET_TOKEN"
PARENT_ENV = "LOADSCIM_TARGET_PARENT_PID"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
_POLL = 0.02


class EmbeddedTarget:
    """The embedded target in a child process; a context manager.

    :param faults: ``--fault`` specs, such as ``["latency=300", "lost-update=0.5"]``;
        checked here first (UsageError).
    :param token: a bearer token the target requires (None: no authentication).
    :param host: the address to listen on.
    :param seed: the seed of the faults' random choices (None: random, logged by the child).
    :param extra_args: more options for the child, such as
        ``["--canaries", "20,3"]`` or ``["--service-provider-config", "spc.json"]``.
    """

    def __init__(
        self,
        faults: Sequence[str] = (),
        token: str | None = None,
        host: str = "127.0.0.1",
        seed: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        if isinstance(faults, str):
            faults = [faults]
        FaultPlan.parse(faults)  # a bad spec fails here, with the child's message
        self.faults = tuple(faults)
        self.token = token
        self.host = host
        self.seed = seed
        self.extra_args = tuple(extra_args)
        self.url: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._stdout: IO[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._stderr_at_exit = ""

    @property
    def command(self) -> list[str]:
        """The child's command line (without the token)."""
        command = [sys.executable, "-m", "loadscim.target", "--port", "0", "--host", self.host]
        for fault in self.faults:
            command += ["--fault", fault]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        return command + list(self.extra_args)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def returncode(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def start(self, timeout: float = START_TIMEOUT) -> str:
        """Start the child and wait for its URL; return it.

        :raises UsageError: when the child refuses its options (exit code 3).
        :raises TargetError: when it dies or says nothing within ``timeout`` seconds.
        """
        if self.process is not None:
            raise RuntimeError("this EmbeddedTarget is already started")
        env = dict(os.environ)
        env.pop(TOKEN_ENV, None)
        if self.token is not None:
            env[TOKEN_ENV] = self.token
        env["PYTHONUNBUFFERED"] = "1"
        env[PARENT_ENV] = str(os.getpid())  # the child stops if this process dies
        # Files, not pipes: nobody has to drain them, and they outlive the child.
        self._stdout = tempfile.TemporaryFile(prefix="loadscim-target-out-")  # noqa: SIM115
        self._stderr = tempfile.TemporaryFile(prefix="loadscim-target-err-")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            line = self._first_line()
            if line is not None:
                if not line.startswith(("http://", "https://")):
                    self.stop()
                    raise TargetError(
                        f"embedded target: its first line of output is {line!r}, not a URL; "
                        f"stderr: {self.stderr_text() or '(empty)'}"
                    )
                self.url = line
                return line
            code = self.process.poll()
            if code is not None:
                message = self.stderr_text().strip() or "(no output on stderr)"
                self._close_files()
                if code == EXIT_ERROR:
                    raise UsageError(message.splitlines()[-1].removeprefix("loadscim serve: "))
                raise TargetError(
                    f"embedded target: exited with code {code} before it served; stderr: {message}"
                )
            if time.monotonic() > deadline:
                message = self.stderr_text().strip() or "(no output on stderr)"
                self.stop()
                raise TargetError(
                    f"embedded target: no URL within {timeout:g} s; "
                    f"command: {' '.join(self.command)}; stderr: {message}"
                )
            time.sleep(_POLL)

    def _first_line(self) -> str | None:
        assert self._stdout is not None
        data = os.pread(self._stdout.fileno(), 4096, 0)
        if b"\n" not in data:
            return None
        return data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()

    def stderr_text(self) -> str:
        """What the child wrote on stderr so far (the last 64 KiB)."""
        if self._stderr is None:
            return self._stderr_at_exit
        size = os.fstat(self._stderr.fileno()).st_size
        start = max(0, size - 65536)
        return os.pread(self._stderr.fileno(), size - start, start).decode("utf-8", "replace")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM the child, wait up to ``timeout`` seconds, then SIGKILL it; its exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        self._close_files()
        return process.returncode

    def _close_files(self) -> None:
        if self._stderr is not None:
            self._stderr_at_exit = self.stderr_text()
        for file in (self._stdout, self._stderr):
            if file is not None:
                file.close()
        self._stdout = self._stderr = None

    def __enter__(self) -> EmbeddedTarget:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedTarget(url={self.url!r}, faults={list(self.faults)!r}, pid={self.pid})"

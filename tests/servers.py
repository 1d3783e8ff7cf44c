"""Starting a second SPARQL server on loopback for a test, and stopping it: one place for the bounded wait,
the skip with its reason, and the clean shutdown (used by test_remote.py and test_virtuoso.py)."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def answering(
    process: subprocess.Popen[bytes], probe: str, log: IO[str], name: str, seconds: float
) -> Iterator[None]:
    """Wait (bounded) until probe answers, skipping with the reason if the server exits or stays silent;
    stop the server afterwards, whatever happened."""
    try:
        for _ in range(int(seconds * 10)):
            if process.poll() is not None:
                pytest.skip(f"{name} exited with {process.returncode}; see {log.name}")
            try:
                urllib.request.urlopen(probe, timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.skip(f"{name} did not answer within {seconds:.0f} s")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()

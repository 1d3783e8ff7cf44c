"""No passage of the source documents is repeated word for word (their licence forbids derivatives)."""

from __future__ import annotations

import subprocess
import sys

from tpbc_kg.paths import project_root


def test_copied_text_finds_nothing(shared):
    result = subprocess.run(
        [sys.executable, str(shared / "tools" / "copied_text.py"), "--repo", str(project_root())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]

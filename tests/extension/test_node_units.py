"""The extension's own unit tests (``extension/tests/*.test.js``: Voyager parsers, the
watermark, the throttle, token renewal, pairing codes) run by ``node --test`` — so
``make test`` covers them. Without Node they skip locally and fail under CI."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from scripts.pack_extension import pack

from tests.support import require

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"


def test_the_extension_unit_tests_pass() -> None:
    node = shutil.which("node")
    require(node is not None, "the extension's unit tests need Node.js 20+ on PATH (node --test)")
    assert node is not None
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", "tests/"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "# fail 0" in output or "ℹ fail 0" in output, output
    assert "pass 0" not in output, "no unit test ran"


def test_make_extension_packs_what_chrome_needs_and_nothing_else(tmp_path: Path) -> None:
    target = pack(EXTENSION, tmp_path)
    names = set(zipfile.ZipFile(target).namelist())
    assert target.name == "pingcrm-linkedin-0.1.0.zip"
    assert {"manifest.json", "background.js", "popup/popup.html", "content/composer.js"} <= names
    assert not [n for n in names if n.startswith("tests/") or n == "package.json"]
    # Every file the manifest and the modules refer to is in the zip.
    for needed in ("lib/sync.js", "lib/voyager.js", "lib/api.js", "icons/icon128.png"):
        assert needed in names

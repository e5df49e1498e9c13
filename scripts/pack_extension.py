"""Pack ``extension/`` into ``dist/pingcrm-linkedin-<version>.zip`` for "Load unpacked" or a
store upload (``make extension``). Standard library only; the unit tests, their fixtures
and the Node ``package.json`` stay out of the zip."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "extension"
LEFT_OUT = ("tests/", "package.json")


def shipped_files(source: Path = SOURCE) -> list[Path]:
    """The files the extension needs at run time, sorted."""
    files = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_file() and not relative.startswith(LEFT_OUT) and "/." not in f"/{relative}":
            files.append(path)
    return files


def pack(source: Path = SOURCE, out_dir: Path = ROOT / "dist") -> Path:
    """Write the zip (manifest.json at its root) and return its path."""
    version = json.loads((source / "manifest.json").read_text(encoding="utf-8"))["version"]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"pingcrm-linkedin-{version}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in shipped_files(source):
            # A fixed date: the same sources always give the same zip.
            info = zipfile.ZipInfo(
                path.relative_to(source).as_posix(), date_time=(2026, 1, 1, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


if __name__ == "__main__":
    print(pack(out_dir=Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist"))

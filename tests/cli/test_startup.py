"""`pingcrm --help` and the commands load only what they use (the CLI starts at once)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "anthropic", "openai", "mcp", "celery", "pydantic_settings", "httpx2")


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return {line.split(".")[0] for line in out.splitlines()}


def test_help_loads_no_database_model_or_network_stack() -> None:
    loaded = _modules_after(
        "from typer.testing import CliRunner\n"
        "from pingcrm.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'identity' in result.output"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_database_command_does_not_load_the_ai_mcp_or_celery_stacks() -> None:
    loaded = _modules_after(
        "from typer.testing import CliRunner\n"
        "from pingcrm.cli import app\n"
        "CliRunner().invoke(app, ['scores', 'recompute', '--help'])\n"
        "import pingcrm.scoring.service"
    )
    assert not loaded & {"anthropic", "openai", "mcp", "celery"}

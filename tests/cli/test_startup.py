"""`pingcrm --help` and the commands load only what they use (the CLI starts at once)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_commands_work_on_a_fresh_data_directory_before_serve_or_migrate(
    tmp_path: Path,
) -> None:
    """A new user's first command (`pingcrm user create`) creates the database itself."""
    env = {**os.environ, "PINGCRM_DATA_DIR": str(tmp_path / "data")}
    env.pop("PINGCRM_DATABASE_URL", None)
    pingcrm = str(Path(sys.executable).parent / "pingcrm")

    created = subprocess.run(
        [pingcrm, "user", "create", "--email", "new@example.com", "--password", "long enough pw"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert created.returncode == 0, created.stderr
    assert "Created user new@example.com" in created.stdout

    scored = subprocess.run(
        [pingcrm, "scores", "recompute", "--user", "new@example.com"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert scored.returncode == 0, scored.stderr
    assert "Scored 0 contacts" in scored.stdout


def test_the_worker_freezes_what_its_jobs_need_before_its_pool_forks(tmp_path: Path) -> None:
    # Celery's worker_main is where the prefork pool starts: what is frozen by then is
    # inherited by every worker process and skipped by their collector's full passes.
    probe = (
        "import gc\n"
        "from celery import Celery\n"
        "def worker_main(self, argv):\n"
        "    print('frozen', gc.get_freeze_count())\n"
        "Celery.worker_main = worker_main\n"
        "from typer.testing import CliRunner\n"
        "from pingcrm.cli import app\n"
        "result = CliRunner().invoke(app, ['worker'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(result.output)"
    )
    env = {
        **os.environ,
        "PINGCRM_BROKER_URL": "redis://127.0.0.1:6379/15",
        "PINGCRM_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env
    ).stdout
    frozen = int(out.split("frozen", 1)[1].split()[0])
    assert frozen > 50_000  # the app's modules and the jobs' (~200k objects)

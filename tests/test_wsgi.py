"""The WSGI entry point that production runs (``gunicorn coopshop.wsgi:app``)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_wsgi_module_builds_the_app_in_a_fresh_interpreter(tmp_path):
    """Imported first, as gunicorn does, so an import cycle the test suite's import order
    hides still shows here; the start-up heap is frozen out of the garbage collector."""
    env = os.environ | {
        "COOPSHOP_ENV_NAME": "development",
        "COOPSHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.sqlite3'}",
    }
    script = "import gc, coopshop.wsgi as w; print(w.app.name, gc.get_freeze_count() > 0)"

    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["coopshop", "True"]

"""The shared ml helpers the web process uses import neither Django nor torch (nor NumPy)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_files_and_config_import_neither_django_nor_torch():
    code = (
        "import sys\n"
        "import apps.core.ml, apps.core.ml.files, apps.core.ml.config\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'django', 'numpy', 'tqdm'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_apps_configs_stay_light_on_the_shared_package():
    code = (
        "import sys\n"
        "import apps.recommender.ml.config, apps.core.ml.vae.config, apps.denoise.ml.config\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'django'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_nothing_under_core_ml_imports_django():
    for path in (ROOT / "apps" / "core" / "ml").glob("*.py"):
        text = path.read_text()
        assert "import django" not in text and "from django" not in text, path.name

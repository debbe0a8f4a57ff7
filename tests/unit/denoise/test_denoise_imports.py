import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_request_time_modules_do_not_import_torch_or_django():
    code = (
        "import sys\n"
        "import apps.denoise.ml, apps.core.ml.image_metrics, apps.denoise.ml.noise, apps.core.ml.photos\n"
        "import apps.denoise.ml.config, apps.core.ml.tiles\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'django'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_nothing_under_ml_imports_django():
    for path in (ROOT / "apps" / "denoise" / "ml").glob("*.py"):
        text = path.read_text()
        assert "import django" not in text and "from django" not in text, path.name

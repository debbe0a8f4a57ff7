"""The data migration that turns the gallery's role kinds into slots keeps every version and pointer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("core", "0001_initial"), ("gallery", "0001_initial")]
AFTER = [("core", "0002_model_slots"), ("gallery", "0002_roles_to_slots")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_roles_become_slots_with_their_numbers_and_pointers():
    old = _migrate(BEFORE)
    ModelVersion, ActiveModel, Activation = (
        old.get_model("core", n) for n in ("ModelVersion", "ActiveModel", "Activation")
    )
    rows = {}
    for kind, name, dataset in [
        ("vae", "conv", "fashion-mnist"),
        ("vae-conditional", "conditional", "fashion-mnist"),
        ("vae-latent2d", "latent2d", "fashion-mnist"),
        ("vae-dae", "dae", "fashion-mnist"),
        ("denoiser", "unet", "train400"),
    ]:
        rows[kind] = ModelVersion.objects.create(kind=kind, dataset=dataset, name=name, version=1)
        ActiveModel.objects.create(kind=kind, dataset=dataset, model_version=rows[kind])
        Activation.objects.create(kind=kind, dataset=dataset, model_version=rows[kind])
    ModelVersion.objects.create(kind="vae-conditional", dataset="fashion-mnist", name="conditional", version=2)

    new = _migrate(AFTER)
    ModelVersion, ActiveModel = new.get_model("core", "ModelVersion"), new.get_model("core", "ActiveModel")
    found = {(v.kind, v.slot, v.name, v.version) for v in ModelVersion.objects.all()}
    assert found == {
        ("vae", "default", "conv", 1),
        ("vae", "conditional", "conditional", 1),
        ("vae", "conditional", "conditional", 2),
        ("vae", "latent2d", "latent2d", 1),
        ("denoiser", "default", "dae", 1),
        ("denoiser", "default", "unet", 1),
    }
    pointers = {(a.kind, a.dataset, a.slot): a.model_version_id for a in ActiveModel.objects.all()}
    assert pointers == {
        ("vae", "fashion-mnist", "default"): rows["vae"].id,
        ("vae", "fashion-mnist", "conditional"): rows["vae-conditional"].id,
        ("vae", "fashion-mnist", "latent2d"): rows["vae-latent2d"].id,
        ("denoiser", "fashion-mnist", "default"): rows["vae-dae"].id,
        ("denoiser", "train400", "default"): rows["denoiser"].id,
    }
    assert new.get_model("core", "Activation").objects.filter(kind="vae", slot="latent2d").count() == 1

    back = _migrate(BEFORE)  # and back: the roles return
    kinds = sorted(back.get_model("core", "ModelVersion").objects.values_list("kind", flat=True))
    assert kinds == ["denoiser", "vae", "vae-conditional", "vae-conditional", "vae-dae", "vae-latent2d"]
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema the other tests expect

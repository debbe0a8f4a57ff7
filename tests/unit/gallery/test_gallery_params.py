"""The gallery's web-side validators, services and selectors (no worker, no torch needed)."""

from __future__ import annotations

import numpy as np
import pytest

from apps.core import registry
from apps.core.errors import Conflict, InvalidInput, NotFound
from apps.core.models import Job
from apps.gallery import params, selectors
from apps.gallery.models import GeneratedImage, ImageKind
from apps.gallery.services import ImageEntry, images_missing, images_store, png_decode, png_encode
from tests.integration.gallery.helpers import fake_version

pytestmark = pytest.mark.django_db


def image_make(version, kind=ImageKind.SAMPLE, label="", position=0, job=None) -> GeneratedImage:
    return GeneratedImage.objects.create(
        file=f"gallery/x/{kind}-{position}.png",
        kind=kind,
        model_version=version,
        label=label,
        position=position,
        job=job,
    )


def test_training_params_defaults_and_aliases():
    out = params.training_params_validate({"config": {"latent": 8, "beta": 2, "epochs": 3}})
    assert out == {"dataset": "fashion-mnist", "model": "conv", "config": {"beta": 2, "epochs": 3, "latent_dim": 8}}
    assert params.training_params_validate({"dataset": "mnist", "model": "latent2d"})["model"] == "latent2d"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "gan"}, "model"),
        ({"dataset": "cifar"}, "dataset"),
        ({"config": {"beta": -1}}, "config.beta"),
        ({"config": {"nonsense": 1}}, "config.nonsense"),
        ({"model": "latent2d", "config": {"latent_dim": 3}}, "config.latent_dim"),
        ({"config": {"train_count": 3}}, "config.train_count"),
        ({"config": {"activate": "yes"}}, "config.activate"),
        ({"config": [1]}, "config"),
    ],
)
def test_training_params_refused(body, field):
    with pytest.raises(InvalidInput) as err:
        params.training_params_validate(body)
    assert field in err.value.errors


def test_gallery_models_are_one_kind_with_slots_and_retrain_as_vae():
    assert registry.training_get("vae").job.name == "train.vae"
    assert registry.model_kind_get("vae").training == "vae"
    assert registry.model_kind_get("vae").slots == ("default", "conditional", "latent2d")
    kind, legacy = registry.model_kind_resolve("vae-latent2d")  # the kind of an earlier release
    assert (kind, legacy.slot) == ("vae", "latent2d")


def test_generate_params_need_an_active_model():
    with pytest.raises(Conflict, match="train vae"):
        params.generate_params_validate({"count": 4})


def test_generate_params_defaults_and_label():
    version = fake_version()
    out = params.generate_params_validate({"count": 4})
    assert out["model_version"] == version.id and out["label"] is None and out["temperature"] == 1.0
    assert 0 <= out["seed"] < 2**31
    with pytest.raises(Conflict, match=r"\(conditional\).*--model conditional"):
        params.generate_params_validate({"count": 4, "label": "sneaker"})
    conditional = fake_version(slot="conditional", name="conditional")
    out = params.generate_params_validate({"count": 2, "label": "Sneakers", "seed": 5})
    assert (out["model_version"], out["label"], out["seed"]) == (conditional.id, 7, 5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 65}, "count"),
        ({"count": True}, "count"),
        ({"temperature": 0}, "temperature"),
        ({"temperature": 3.01}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"label": "dragon"}, "label"),
        ({"label": 10}, "label"),
        ({"label": "-1"}, "label"),
        ({"count": "3"}, "count"),  # a job's params are JSON-typed
        ({"seed": -1}, "seed"),
        ({"dataset": "cifar"}, "dataset"),
    ],
)
def test_generate_params_refused(body, field):
    fake_version()
    fake_version(slot="conditional", name="conditional")
    with pytest.raises(InvalidInput) as err:
        params.generate_params_validate({"count": 4, **body})
    assert field in err.value.errors


def test_interpolate_params():
    version, other = fake_version(), fake_version(activate=False)
    a, b, c = image_make(version), image_make(version, position=1), image_make(other)
    grid = image_make(version, kind=ImageKind.LATENT_MAP)
    out = params.interpolate_params_validate({"start": a.id, "end": b.id, "steps": 4})
    assert out == {"start": a.id, "end": b.id, "steps": 4, "model_version": version.id}
    with pytest.raises(NotFound):
        params.interpolate_params_validate({"start": a.id, "end": 999_999})
    for body, field in (
        ({"start": a.id, "end": c.id}, "end"),
        ({"start": a.id, "end": grid.id}, "end"),
        ({"start": a.id, "end": b.id, "steps": 1}, "steps"),
        ({"start": a.id, "end": b.id, "steps": 17}, "steps"),
        ({"start": "a", "end": b.id}, "start"),
    ):
        with pytest.raises(InvalidInput) as err:
            params.interpolate_params_validate(body)
        assert field in err.value.errors


def test_latent_map_and_reconstruct_params():
    with pytest.raises(Conflict):
        params.latent_map_params_validate({})
    version = fake_version(slot="latent2d", name="latent2d")
    assert params.latent_map_params_validate({"grid": 8})["model_version"] == version.id
    with pytest.raises(InvalidInput):
        params.latent_map_params_validate({"grid": 33})
    fake_version()
    assert params.reconstruct_params_validate({"count": 3, "seed": 1})["count"] == 3
    with pytest.raises(InvalidInput):
        params.reconstruct_params_validate({"count": 33})


def test_png_round_trip_is_byte_stable():
    pixels = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
    assert png_encode(pixels) == png_encode(pixels.copy())
    assert png_encode(pixels)[:8] == b"\x89PNG\r\n\x1a\n"


def test_images_store_is_idempotent(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    version = fake_version()
    job = Job.objects.create(kind="gallery.generate", params={})
    entries = [ImageEntry(kind=ImageKind.SAMPLE, position=i, pixels=np.full((28, 28), i, np.uint8)) for i in range(3)]
    first = images_store(job=job, model_version=version, entries=entries)
    again = images_store(job=job, model_version=version, entries=entries)  # a redelivered job
    assert [i.id for i in first] == [i.id for i in again] and GeneratedImage.objects.count() == 3
    assert images_missing(job=job, wanted=[(ImageKind.SAMPLE, i) for i in range(4)]) == [(ImageKind.SAMPLE, 3)]
    assert (png_decode(tmp_path / first[2].file) == 2).all()


def test_image_list_filters():
    version, other = fake_version(), fake_version(activate=False)
    image_make(version, label="Sneaker")
    image_make(version, kind=ImageKind.RECONSTRUCTION, label="Bag")
    image_make(other, label="Bag")
    assert selectors.image_list(label="sneaker").count() == 1
    assert selectors.image_list(model_version=other.id).count() == 1
    assert selectors.image_list(kind=ImageKind.RECONSTRUCTION).count() == 1
    assert selectors.image_list(dataset="mnist").count() == 0
    assert selectors.gallery_labels() == ["Bag", "Sneaker"]

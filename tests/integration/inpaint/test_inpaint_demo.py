"""The inpaint app on the platform: `seed_demo` leaves each data set with a model or a training on the way,
the home card and the models' registry know it."""

from __future__ import annotations

import io

import pytest

from apps.core.models import Job
from apps.inpaint.selectors import home_card, inpainter_active
from tests.integration.inpaint.conftest import placeholder_register

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_seed_demo_gives_every_data_set_a_model_or_a_training(fashion_available, settings):
    from apps.inpaint.demo import demo_seed

    out = io.StringIO()
    demo_seed(out=out, train=True)
    for dataset in ("fashion-mnist", "train400"):
        queued = Job.objects.filter(kind="train.inpainter", params__dataset=dataset)
        assert inpainter_active(dataset) is not None or queued.exists(), (dataset, out.getvalue())
        if queued.exists():
            assert queued.get().params["config"]["seconds"] > 0
    again = io.StringIO()
    demo_seed(out=again, train=True)  # a second run starts nothing new
    assert Job.objects.filter(kind="train.inpainter").count() == sum(
        inpainter_active(d) is None for d in ("fashion-mnist", "train400")
    )


def test_home_card_and_the_registry(db, client):
    from apps.core import registry

    card = home_card()
    assert card["title"] == "Inpainting" and card["url"] == "/inpaint/"
    assert any("train inpainter --dataset fashion-mnist" in line for line in card["lines"])
    assert registry.training_get("inpainter", "") is not None
    assert registry.jobkind_get("inpaint.image").queue == "interactive"
    assert "Inpainting" in client.get("/").content.decode()
    placeholder_register("fashion-mnist", centre_psnr=21.234)
    lines = home_card()["lines"]
    assert "28×28 items: items v1 trained on fashion-mnist; centre 14×14: 21.23 dB PSNR" in lines
    assert "centre 14×14: 21.23 dB PSNR" in client.get("/inpaint/").content.decode()

"""The gallery page as a first visitor sees it: counts with plurals, a full-width empty state that
offers a Generate button or shows the first images on their way, labels of the data set shown."""

from __future__ import annotations

import re

import pytest

from apps.core import services as core_services
from apps.gallery.models import GeneratedImage
from tests.integration.gallery.helpers import fake_version

pytestmark = pytest.mark.django_db


def images_add(version, count: int, label: str = "") -> None:
    for i in range(count):
        GeneratedImage.objects.create(
            file=f"gallery/t/{version.id}-{i}.png", model_version=version, position=i, label=label
        )


def page_html(client, query: str = "") -> str:
    response = client.get(f"/gallery/{query}")
    assert response.status_code == 200
    return response.content.decode()


def badge(html: str) -> str:
    return re.search(r'id="image-count"[^>]*>([^<]*)<', html).group(1)


@pytest.mark.parametrize(("count", "shown"), [(0, "0 images"), (1, "1 image"), (2, "2 images")])
def test_the_image_count_is_a_plural(client, count, shown):
    images_add(fake_version(), count)
    assert badge(page_html(client)) == shown


def test_an_empty_gallery_offers_a_generate_button_outside_the_grid(client):
    fake_version()
    html = page_html(client)
    empty = html[html.index('id="grid-empty"') : html.index('id="grid"')]
    assert "hidden" not in empty.split(">", 1)[0] and 'id="empty-generate"' in empty
    assert "No Fashion-MNIST images yet" in empty


def test_an_empty_gallery_shows_the_first_images_on_their_way(client):
    fake_version()
    job = core_services.job_create(kind="gallery.generate", params={"count": 24, "seed": 0}, enqueue=False)
    html = page_html(client)
    empty = html[html.index('id="grid-empty"') : html.index('id="grid"')]
    assert f'<job-progress data-job="{job.id}"' in empty and 'id="empty-generate"' not in empty


def test_with_images_the_empty_state_is_hidden(client):
    images_add(fake_version(), 3, label="Sneaker")
    html = page_html(client)
    assert re.search(r'id="grid-empty"[^>]*hidden', html) and html.count('class="gallery-item"') == 3


def test_mnist_lists_its_digits_not_fashion_labels(client):
    version = fake_version(dataset="mnist")
    images_add(version, 2, label="seven")
    html = page_html(client, "?dataset=mnist")
    options = re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html.split('id="label-filter"')[1].split("</select>")[0]
    )
    assert options[1:] == [(name, str(i)) for i, name in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))]  # fmt: skip
    assert "Sneaker" not in html and "<figcaption>7 " in html


def test_filters_that_match_nothing_say_so(client):
    images_add(fake_version(), 2)
    html = page_html(client, "?label=Bag")
    assert "No images match these filters" in html and badge(html) == "0 images"


def test_the_home_card_counts_with_a_plural_and_shows_mnist_binarised(client):
    from apps.gallery.selectors import home_card_lines

    images_add(fake_version(), 1)
    mnist = core_services.model_version_create(
        kind="vae", slot="default", dataset="mnist", name="conv", config={}, artifacts={},
        metrics={"iwae_nll": 60.0, "binarized_iwae_nll": 90.5},
    )  # fmt: skip
    core_services.model_version_activate(model_version=mnist)
    lines = home_card_lines()
    assert lines[-1] == "1 image in the gallery"
    assert any(line.startswith("mnist: conv") and "IWAE NLL 90.5 nats (binarised)" in line for line in lines), lines

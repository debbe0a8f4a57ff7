"""Labels as people read them per data set, and the binarised-MNIST line of the model card."""

from __future__ import annotations

from apps.gallery.management.commands.gallery_export_weights import protocol_line
from apps.gallery.selectors import label_choices


def test_mnist_labels_are_digits_fashion_labels_are_names():
    mnist = label_choices(dataset="mnist")
    assert [text for _, text in mnist] == [str(i) for i in range(10)]
    assert mnist[7] == ("seven", "7")  # the stored label stays the class name the API takes
    fashion = label_choices(dataset="fashion-mnist")
    assert fashion[7] == ("Sneaker", "Sneaker") and len(fashion) == 10


def test_the_card_states_k_images_and_the_distance_to_the_literature():
    line = protocol_line({"binarized_iwae_nll": 88.0, "binarized_neg_elbo": 92.5, "iwae_k": 100, "test_images": 10000})
    assert "K=100 on 10,000 test images" in line and "+1.24 nats from it" in line and "86.76" in line
    assert protocol_line({"iwae_nll": 235.0}) is None  # Fashion-MNIST: no binarised figures

import pytest
import torch

from apps.core.ml.vae.config import VaeConfig
from apps.core.ml.vae.models import ConvVae, MlpVae, parameters_count, vae_build

torch.set_num_threads(1)
TINY = {"width": 4, "hidden": 16}


@pytest.mark.parametrize(("model", "cls", "latent"), [("conv", ConvVae, 16), ("conditional", ConvVae, 16),
                                                      ("latent2d", ConvVae, 2), ("mlp", MlpVae, 20)])  # fmt: skip
def test_shapes(model, cls, latent):
    net = vae_build(VaeConfig(model=model, **TINY))
    assert isinstance(net, cls) and net.latent_dim == latent
    x = torch.rand(5, 1, 28, 28)
    y = torch.arange(5) if net.conditional else None
    mu, logvar = net.encode(x, y)
    assert mu.shape == logvar.shape == (5, latent)
    assert net.decode(mu, y).shape == (5, 1, 28, 28)
    logits, mu2, _ = net(x, y)
    assert logits.shape == (5, 1, 28, 28)
    torch.testing.assert_close(mu, mu2)


def test_classic_mlp_vae_has_the_published_layer_sizes():
    net = vae_build(VaeConfig(model="mlp"))
    sizes = [(m.in_features, m.out_features) for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert sizes == [(784, 400), (400, 40), (20, 400), (400, 784)]
    assert parameters_count(net) == sum(i * o + o for i, o in sizes)


def test_conditional_model_uses_the_class():
    net = vae_build(VaeConfig(model="conditional", **TINY))
    z = torch.zeros(2, net.latent_dim)
    with torch.no_grad():
        a, b = net.decode(z, torch.tensor([1, 1])), net.decode(z, torch.tensor([1, 7]))
    torch.testing.assert_close(a[0], b[0])
    assert not torch.allclose(a[1], b[1])
    with pytest.raises(ValueError, match="label"):
        net.decode(z)
    with pytest.raises(ValueError, match="label"):
        net.decode(z, torch.tensor([0, 10]))
    with pytest.raises(ValueError, match="label"):
        net.decode(z, torch.tensor([0]))


def test_soft_class_vectors_blend_one_hots():
    net = vae_build(VaeConfig(model="conditional", **TINY))
    z = torch.zeros(1, net.latent_dim)
    with torch.no_grad():
        hard = net.decode(z, torch.tensor([3]))
        soft = net.decode(z, torch.nn.functional.one_hot(torch.tensor([3]), 10).float())
    torch.testing.assert_close(hard, soft)


def test_unconditional_model_ignores_labels():
    net = vae_build(VaeConfig(model="conv", **TINY))
    z = torch.randn(2, net.latent_dim)
    with torch.no_grad():
        torch.testing.assert_close(net.decode(z), net.decode(z, torch.tensor([0, 1])))


def test_initialisation_depends_only_on_the_seed():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = vae_build(VaeConfig(seed=4, **TINY))
    assert torch.equal(torch.rand(1), before)  # the global RNG is left as it was
    b = vae_build(VaeConfig(seed=4, **TINY))
    c = vae_build(VaeConfig(seed=5, **TINY))
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), name
    assert any(not torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters(), strict=True))

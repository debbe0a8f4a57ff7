"""The VAE gallery's pure ML package: no Django anywhere below this folder.

The VAE itself (models, bounds, training loop, config) is shared: apps.core.ml.vae. Here: what
the gallery does with it. `images` imports NumPy only; `evaluate`, `generate` and
`checkpoint` need torch and are imported only by workers.
"""

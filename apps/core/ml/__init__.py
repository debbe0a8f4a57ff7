"""Plain-Python helpers every app's `ml/` package and the web process share.

Nothing here imports Django. Only `checkpoint`, `image_classifier` and `vae` (but for its config)
import torch, so `files`, `config`, `frechet` and `image_datasets` are safe at request time.
Import the submodules directly; this package imports none of them.
"""

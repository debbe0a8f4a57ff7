"""The VAE gallery's pure ML package: no Django anywhere below this folder.

Request-time modules (`config`, `images`, `frechet`) import NumPy/SciPy only (the data sets are
apps.core.ml.image_datasets), so the web process can validate settings; `models`, `bounds`,
`train`, `evaluate`, `generate` and `checkpoint` need torch and are imported only
by workers.
"""

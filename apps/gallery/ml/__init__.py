"""The VAE gallery's pure ML package: no Django anywhere below this folder.

Request-time modules (`idx`, `datasets`, `config`, `images`, `frechet`) import NumPy/SciPy only,
so the web process can validate settings, name classes and parse labels; `models`, `bounds`,
`train`, `evaluate`, `generate`, `checkpoint` and `denoising` need torch and are imported only
by workers.
"""

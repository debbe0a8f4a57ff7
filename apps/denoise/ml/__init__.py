"""The denoiser's pure ML package: no Django anywhere below this folder.

Request-time modules (`metrics`, `noise`, `images`, `config`, `tiles`) import NumPy/SciPy/Pillow
only, so the web process can use them; `model`, `inference`, `train` and `checkpoint` need torch
and are imported only by workers.
"""

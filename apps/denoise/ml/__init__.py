"""The denoise app's pure ML package: no Django anywhere below this folder.

Two models: the photo denoiser (`model`, `train`, `inference`: a noise-level-conditioned U-Net)
and the 28×28 demo's classic denoising autoencoder (`dae`). Request-time modules (`metrics`,
`noise`, `images`, `config`, `tiles`) import NumPy/SciPy/Pillow only, so the web process can use
them; `model`, `dae`, `inference`, `train` and `checkpoint` need torch and are imported only by
workers.
"""

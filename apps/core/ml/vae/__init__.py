"""The variational autoencoder every app builds on: models (conv, class-conditional, 2-D latent, the
784-400-20 MLP), the ELBO and IWAE bounds, the training loop and its config. Pure PyTorch/NumPy.

The gallery generates with it; the representations app compares it with the other autoencoder
types and with a GAN. `config` imports neither torch nor NumPy (the web validates with it).
"""

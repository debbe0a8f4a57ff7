"""Segmentation with encoder-decoders: pure PyTorch/NumPy (no Django)."""

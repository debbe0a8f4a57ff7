"""Filling what is missing in an image: pure PyTorch/NumPy (no Django)."""

"""The representations app's pure ML package: no Django anywhere below this folder.

The autoencoder types side by side (vanilla, linear, sparse, conv, denoising, vae) with a GAN, and
the baselines they are measured against (PCA, t-SNE, UMAP), as scikit-learn estimators.

- `config` imports neither torch nor NumPy (the web validates training requests with it);
- `serving` is NumPy only (the web decodes a point and encodes an upload with it);
- `baselines` and `metrics` are NumPy and scikit-learn (umap-learn, openTSNE when used);
- `models`, `train`, `estimators`, `evaluate`, `export`, `checkpoint` need torch: workers and benchmarks.
"""

"""Filling what is missing in an image: pure PyTorch/NumPy (no Django).

What the rest of the app relies on (the contract with apps/inpaint's services, worker and training):

- config: ITEM_DATASETS, PHOTO_DATASETS, INPAINT_DATASETS, INPAINT_MODELS ("items", "gated_unet"),
  MASK_KINDS, COVERAGE_MAX, INPAINT_BASELINES, InpainterConfig (`train inpainter --set` settings).
- masks (NumPy + OpenCV, used by the web process): mask_make, mask_from_image, mask_problem.
- metrics (NumPy): inpaint_scores → {"psnr", "ssim", "psnr_masked"} (math.inf when identical).
- baselines (worker): baseline_inpaint, baselines_for, pca_fit, pca_save, pca_load (an .npz or an
  items checkpoint, which carries the basis).
- inference (torch): image_inpaint(model, image, mask, device=, progress=) for both models, any size.
- checkpoint (torch): inpainter_save, inpainter_load(path, device) → model with .config, .metrics, .pca.
- train / run / evaluate: the training loops, one run as `train inpainter` does it, the protocols.
- export: `python -m apps.inpaint.ml.export --dataset … --seconds …` writes apps/inpaint/weights/.
"""

"""Segmentation with encoder-decoders: pure PyTorch/NumPy (no Django).

- config.py      names (data sets, models, baselines, classes, colours) and SegmenterConfig; plain Python
- scenes.py      Fashionopolis scenes (NumPy + scikit-image; the web process makes sample scenes with it)
- isbi.py        the ISBI 2012 EM slices reader (the web process lists the slices with isbi_dir)
- models.py      U-Net and SegNet (pooling indices carried to the decoder)
- train.py       segmenter_fit: time-budgeted training
- inference.py   image_segment: any size by overlapping tiles (the worker)
- metrics.py     segmentation_scores (the worker, when the truth is known; training; benchmarks)
- overlay.py     mask_rgb, overlay_rgb, class_areas (the worker writes the PNGs)
- baselines.py   constant, Otsu, multiscale features + random forest
- checkpoint.py  segmenter_save / segmenter_load
- experiment.py  the data, evaluation and baselines of one run (training job and benchmarks)
"""

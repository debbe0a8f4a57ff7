"""Pure PyTorch/NumPy/scikit-learn for the anomaly app: detectors, baselines, readers, metrics. No Django here.

Scores are anomaly scores everywhere: higher = more anomalous (PyOD's `decision_function` sense; scikit-learn's
`score_samples` has the opposite sign, and its wrappers here flip it).
"""

"""The recommender's pure ML code: readers, protocol, metrics, models, training, serving.

Nothing here imports Django. `readers`, `protocol`, `metrics`, `ease`, `config` and `serving`
need only NumPy/SciPy; `models` and `train` use torch and belong to workers. This package
file imports nothing so that the web process can import `serving` without pulling in torch.
"""

"""Plain-Python helpers every app's `ml/` package and the web process share.

Nothing here imports Django, and only `checkpoint` imports torch, so `files` and `config`
are safe at request time. Import the submodules directly; this package imports none of them.
"""

"""The model: text into lemmas, features, the pipeline, its fast path, explanations,
suggestions, the artifact and its safe exchange, training and the cross-validation
training reports.

Import rule: a module here imports only the top-level ``errors``, ``codebook`` and
``corpus``, :mod:`classifier.formats` and other modules of ``classifier.model``. The model
never imports a job (``pretag``, ``archive``, ``coding``, ``study``, ``evaluation``) nor
the command line.
"""

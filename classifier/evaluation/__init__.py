"""Evaluation: cross-validated reports of the model against baselines, diagnostics
(errors, leakage, learning curve, thresholds), and the report with its plots.

Import rule: a module here imports the top level (``errors``, ``codebook``, ``corpus``),
:mod:`classifier.formats`, :mod:`classifier.model` and other modules of
``classifier.evaluation``; never another job nor the command line.
"""

"""The study: scores read back, findings per case, origin, role and year, prevalence
corrected for the model's errors, and their report with its plots.

Import rule: a module here imports the top level (``errors``, ``codebook``, ``corpus``),
:mod:`classifier.formats`, :mod:`classifier.model` and other modules of
``classifier.study``; never another job nor the command line.
"""

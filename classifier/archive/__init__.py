"""Scoring an archive: sources read record by record, chunks, parts and resume, the
output files, and the Dask engine for a cluster.

Import rule: a module here imports the top level (``errors``, ``codebook``, ``corpus``),
:mod:`classifier.formats`, :mod:`classifier.model` and other modules of
``classifier.archive``; never another job nor the command line.
"""

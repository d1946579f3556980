"""Human coding: agreement between coders, consistency of the coded corpus and suspect
codes, which passage to code next, the review page where coders confirm or correct the
model's suggestions (``review``), and coded QDPX projects read back into a corpus.

Import rule: a module here imports the top level (``errors``, ``codebook``, ``corpus``),
:mod:`classifier.formats`, :mod:`classifier.model`, :mod:`classifier.pretag` (the
projects coders receive are pretag's exports), :mod:`classifier.archive` (the review
reads what ``score`` reads, with its readers) and other modules of ``classifier.coding``;
never ``study``, ``evaluation`` nor the command line.
"""

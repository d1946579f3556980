"""Human coding: agreement between coders, consistency of the coded corpus and suspect
codes, which passage to code next, and coded QDPX projects read back into a corpus.

Import rule: a module here imports the top level (``errors``, ``codebook``, ``corpus``),
:mod:`classifier.formats`, :mod:`classifier.model`, :mod:`classifier.pretag` (the
projects coders receive are pretag's exports) and other modules of ``classifier.coding``;
never ``archive``, ``study``, ``evaluation`` nor the command line.
"""

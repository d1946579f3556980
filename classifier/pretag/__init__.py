"""Pre-tagging: accounts into passages with suggested narratives, the highlighted page,
and the exports to coders' tools (QDPX, Label Studio, doccano).

Import rule: a module here imports the top level (``errors``, ``codebook``, ``corpus``),
:mod:`classifier.formats`, :mod:`classifier.model` and other modules of
``classifier.pretag``; never another job nor the command line.
"""

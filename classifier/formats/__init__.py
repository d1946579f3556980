"""Formats several jobs share: records (JSON Lines, CSV), atomic files and locks, and the
HTML and chart helpers of the reports.

Import rule: a module here imports only :mod:`classifier.errors` and other modules of
``classifier.formats``; nothing here knows about the codebook, the model or any job.
"""

"""Coding with the model: review of its suggestions by coders (``review``); imports the rest."""

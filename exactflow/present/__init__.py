"""Rendering: text, Markdown and LaTeX of derivations, verification reports and
solver transcripts.

Everything a person reads (``exactflow derive``, ``verify``, ``report``,
``solve``) is written here; the command line only chooses and prints.  One
LaTeX escape table serves every renderer (:mod:`.latex`).
"""

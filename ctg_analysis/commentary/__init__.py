"""The French commentary of the figures: sentences, their grammar and the editable wording (``phrases.yaml``).

One commentary for every document: the report's themes, the deck's speaker notes, the fiches actions and the
yearly follow-up are written by these functions from the same wording file.
"""

from ctg_analysis.commentary.sentences import (
    Phrases,
    Sentence,
    commented_indicators,
    describe,
    diagnostic_text,
    load_phrases,
    theme_sentences,
)

__all__ = [
    "Phrases",
    "Sentence",
    "commented_indicators",
    "describe",
    "diagnostic_text",
    "load_phrases",
    "theme_sentences",
]

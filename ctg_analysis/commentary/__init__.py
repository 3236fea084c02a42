"""The French commentary of the figures: sentences, their grammar and the editable wording (``phrases.yaml``).

One commentary for every document: the report's themes, the deck's speaker notes and the fiches actions are
written by these functions from the same wording file. (The yearly follow-up states no sentence about a
figure: its table says whether each comparison with the baseline is valid, and why not.)
"""

from ctg_analysis.commentary.sentences import describe, diagnostic_text, load_phrases, theme_sentences

__all__ = ["describe", "diagnostic_text", "load_phrases", "theme_sentences"]

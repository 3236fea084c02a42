"""The French commentary of the figures: sentences, their grammar and the editable wording (``phrases.yaml``).

One commentary for every document: the report's themes, the deck's speaker notes and the fiches actions are
written by these functions from the same wording file; the synthesis « Enjeux et points d'appui » opens the
report and the deck and is a fiche's default *diagnostic initial*. (The yearly follow-up states no sentence about a
figure: its table says whether each comparison with the baseline is valid, and why not.)
"""

from ctg_analysis.commentary.sentences import describe, diagnostic_text, load_phrases, theme_sentences
from ctg_analysis.commentary.synthesis import SYNTHESIS_TITLE, synthesis, synthesis_lines, synthesis_markdown

__all__ = [
    "SYNTHESIS_TITLE",
    "describe",
    "diagnostic_text",
    "load_phrases",
    "synthesis",
    "synthesis_lines",
    "synthesis_markdown",
    "theme_sentences",
]

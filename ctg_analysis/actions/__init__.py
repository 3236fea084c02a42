"""From the diagnostic to the plan d'actions: generated sentences, fiches actions and the yearly follow-up."""

from ctg_analysis.actions.sentences import Phrases, Sentence, describe, diagnostic_text, load_phrases

__all__ = ["Phrases", "Sentence", "describe", "diagnostic_text", "load_phrases"]

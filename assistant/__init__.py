"""Crossroads: answers each question from a domain fine-tuned model or from hybrid retrieval."""

__version__ = "0.1.0"

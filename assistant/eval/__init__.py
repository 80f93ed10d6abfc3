"""Benchmarks over the repository's eval-data/ (`assistant eval …`): retrieval quality and speed, routing, answers."""

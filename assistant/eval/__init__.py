"""Benchmarks over ../shared/eval (`assistant eval …`): retrieval quality and speed, routing, answers."""

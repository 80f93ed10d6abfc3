"""Domain fine-tuning: LoRA training (optional extra `finetune`), GGUF export, Ollama registration."""

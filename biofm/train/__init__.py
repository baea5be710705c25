"""Fine-tuning (full or LoRA), metrics and model cards."""

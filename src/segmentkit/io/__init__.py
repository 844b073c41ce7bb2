"""Files in and out: JSON Lines (``jsonl``). Sits above the repository it fills."""

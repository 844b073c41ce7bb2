"""The bundled sample data set (``data``, ``catalog``, ``sample.jsonl``) and the demo."""

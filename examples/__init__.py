"""Runnable OpenAI Agents SDK examples against a gateway; `python -m examples.run_all` runs and checks them."""

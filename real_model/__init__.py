"""A real language model as an upstream: SmolLM2-135M-Instruct behind OpenAI Chat Completions (server.mjs, run by
node-llama-cpp), fronted by the emulators' gate and journal (front.py), installed once into the cache (install.py).
`python -m real_model` serves it."""

"""One LLM interface, three backends: Anthropic, any OpenAI-compatible server, none."""

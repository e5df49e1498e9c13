"""Meeting briefs: who you are about to meet, your history, and what to talk about."""

"""Interactions: messages, emails, meetings and calls with contacts; the timeline."""

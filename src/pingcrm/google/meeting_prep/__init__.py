"""Meeting prep for Gmail accounts: the scan job that refreshes the calendar window and
sends the briefs with Gmail (the briefs themselves are the `meeting_prep` domain)."""

"""Google Calendar sync: meetings of the primary calendar become meeting interactions."""

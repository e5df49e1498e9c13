"""Notes: free text the user writes about a contact."""

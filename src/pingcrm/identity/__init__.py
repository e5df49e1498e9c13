"""Identity resolution: find duplicate people (tier 1 certain, tier 2 probable), queue
them for review, merge them and undo merges exactly."""

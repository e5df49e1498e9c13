"""The tag taxonomy: categories, the tag editor, AI-proposed tags and applying them to
every contact (built on `tags` and `contacts`)."""

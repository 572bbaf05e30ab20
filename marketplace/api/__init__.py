"""Project-wide API plumbing: error shape, pagination, URL root."""

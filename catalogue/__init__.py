"""Data products, versions and offers; the catalogue buyers browse; the provider dashboard."""

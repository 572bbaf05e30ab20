"""Data products, their versions and offers, and the reads behind the catalogue buyers browse
(its pages and API are faces in `marketplace/catalogue/`)."""

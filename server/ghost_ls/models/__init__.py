"""Models: the catalog of known GGUF files, where they live on disk, and how to fetch them."""

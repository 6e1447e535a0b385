"""The knowledge store (Wissensspeicher): the strategy's documents and methods, searchable."""

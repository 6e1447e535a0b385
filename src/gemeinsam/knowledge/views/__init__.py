"""The knowledge store's pages: public (search, a document, an attachment's download).
Staff edit documents in the admin."""

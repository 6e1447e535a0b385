"""The search index: on SQLite an FTS5 table of stemmed text (filled by knowledge.services),
on PostgreSQL a GIN index on the weighted `german` vector that selectors.search_vector builds.
"""

from django.db import migrations

FTS5 = (
    "CREATE VIRTUAL TABLE knowledge_document_fts USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')"
)
# The expression exactly as Django writes selectors.search_vector(), so the planner uses it.
GIN = (
    "CREATE INDEX knowledge_document_search ON knowledge_document USING gin (("
    "setweight(to_tsvector('german'::regconfig, COALESCE(\"title\", '')), 'A') || "
    "setweight(to_tsvector('german'::regconfig, COALESCE(\"body\", '')), 'B')))"
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(FTS5)
    elif vendor == "postgresql":
        schema_editor.execute(GIN)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE knowledge_document_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX knowledge_document_search")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

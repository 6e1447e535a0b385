"""WhiteNoise's compressed, hashed static files, tolerant of a missing source map.

Packaged libraries sometimes name a source map they do not ship (Leaflet.markercluster's
minified file on PyPI); Django would refuse to collect them, though maps only help debugging.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def url_converter(self, name, hashed_files, template=None, ignored_blocks=None):
        convert = super().url_converter(name, hashed_files, template, ignored_blocks)

        def tolerant(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                if "sourceMappingURL" in matchobj["matched"]:
                    return matchobj["matched"]  # leave the comment; browsers skip a missing map
                raise

        return tolerant

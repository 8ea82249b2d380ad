"""Static files in production: whitenoise's compressed, hashed storage, taught two more
references to rewrite to hashed names.

Django rewrites CSS url()s, and source maps named at the start of a line of JavaScript. Two
references escape it here: `import` in the project's own ES modules (static/src/init.mjs
imports GOV.UK Frontend), and GOV.UK Frontend's own source map, named at the end of its one
minified line. Without these, both would be loaded by their plain names, which browsers may
keep for a minute rather than a year.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage

MODULE_IMPORT = (
    r"""(?P<matched>import(?s:(?P<import>[\s\{].*?|\*\s*as\s*\w+))"""
    r"""\s*from\s*['"](?P<url>[./].*?)["']\s*;)""",
    """import%(import)s from "%(url)s";""",
)
# Only after code on the same line: Django's own pattern handles one at the line's start.
SOURCE_MAP_AFTER_CODE = (
    r"(?m)(?<=[;})])(?P<matched>//# (?-i:sourceMappingURL)=(?P<url>[^\s]+\.map))$",
    "//# sourceMappingURL=%(url)s",
)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        ("*.mjs", (MODULE_IMPORT,)),
        ("*.js", (SOURCE_MAP_AFTER_CODE,)),
    )

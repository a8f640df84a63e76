"""Load: files, directories and stdin to documents that remember where they came from.

Bad input never raises out of here: an unreadable or unparsable file becomes one Document whose
findings say why, and the batch goes on. JSON and YAML files are parsed whole (a truncated file yields
no document at all, never half a batch); NDJSON is streamed line by line so a stream of any length
validates in bounded memory.

``sources`` turns paths into Sources; ``read`` turns a Source into documents, through ``formats``
(which parser), ``json_parse`` (JSON and NDJSON), ``yaml_parse``, and ``base`` (limits, the error of loading,
decoding).
"""

from acorders.load.read import load_source, reread
from acorders.load.sources import (
    EXTENSIONS,
    FORMATS,
    STDIN,
    STDIN_NAME,
    Source,
    collect_sources,
    iter_sources,
)

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "STDIN",
    "STDIN_NAME",
    "Source",
    "collect_sources",
    "iter_sources",
    "load_source",
    "reread",
]

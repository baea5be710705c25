"""Readers and writers per format. Readers never raise on a bad row: they return good records and RowErrors."""

from biofm.io.text import (
    SUPPORTED_TEXT_SUFFIXES,
    InputError,
    read_paste,
    read_text_file,
    read_text_upload,
)
from biofm.io.writers import write_table

__all__ = [
    "SUPPORTED_TEXT_SUFFIXES",
    "InputError",
    "read_paste",
    "read_text_file",
    "read_text_upload",
    "write_table",
]

"""Batch prediction over many files or rows, in-process or on a Ray cluster (``biofm batch``)."""

from biofm.batch.chunks import CHUNK_ROWS, ChunkPredictor, parse_file
from biofm.batch.run import RAY_MISSING, BatchJob, BatchResult, expand_inputs, run_batch
from biofm.batch.sink import RowSink, SinkError, output_format

__all__ = ["CHUNK_ROWS", "ChunkPredictor", "parse_file", "RAY_MISSING", "BatchJob", "BatchResult", "expand_inputs",
           "run_batch", "RowSink", "SinkError", "output_format"]

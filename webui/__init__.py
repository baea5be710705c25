"""Streamlit glue shared by app.py and the pages: cached settings and models, input widgets, explanation and map
panels, review and training widgets. Kept out of ``biofm/`` so the core never imports streamlit; task-free (every
task-specific choice comes from the task registry)."""

from webui.core import (FAVICON, device_summary, explainer_model, folder_tasks, loaded_model, md, model_picker, registry,
                        settings, skipped_task_folders)
from webui.errors import guarded
from webui.explain import explain_one, explanation_panel
from webui.inputs import batch_result, document_input, earlier_batches, run_batch, show_row_errors
from webui.maps import batch_map, embedding_panel
from webui.progress import progress_bar
from webui.review import example_review_batch, review_store, send_to_review
from webui.substructures import substructure_panel
from webui.text import text_width

__all__ = ["FAVICON", "folder_tasks", "batch_map", "batch_result", "device_summary", "document_input", "earlier_batches", "embedding_panel", "explain_one", "md",
           "explainer_model", "explanation_panel", "guarded", "loaded_model", "model_picker", "progress_bar", "registry",
           "example_review_batch", "review_store", "run_batch", "send_to_review", "settings", "show_row_errors", "skipped_task_folders", "substructure_panel", "text_width"]

"""biofm: run, explain and review fine-tuned biomedical foundation models locally."""

__version__ = "0.1.0"

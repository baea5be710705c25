"""Explanations: Captum methods behind one :func:`attribute`, word aggregation, faithfulness, safe rendering."""

from biofm.explain.attribution import METHODS, Attribution, Target, attribute
from biofm.explain.render import attribution_html, entities_html, standalone_html

__all__ = ["METHODS", "Attribution", "Target", "attribute", "attribution_html", "entities_html", "standalone_html"]

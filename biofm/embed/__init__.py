"""2-D projections of pooled embeddings (openTSNE, PCA, UMAP when installed) and their plotly scatter."""

from biofm.embed.project import PROJECTIONS, Projection, project
from biofm.embed.plot import scatter_figure

__all__ = ["PROJECTIONS", "Projection", "project", "scatter_figure"]

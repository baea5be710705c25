"""Network definitions only (``nn.Module``s): no adapters, trainers or task names."""

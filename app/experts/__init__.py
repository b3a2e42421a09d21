"""The 技改专家智库: an expert pool (users of government offices or providers) with fields, industries and
the region they serve, managed by operators."""

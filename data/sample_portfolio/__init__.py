"""Deterministic sample portfolio: partner files with known defects, and the truth to check a pipeline against.

    from data.sample_portfolio import generate
    summary = generate(Path("data"), seed=42, meters=160, months=13)

writes `data/inbox/<source>/...` (the files of `ingestion.sources`) and `data/truth/`.
"""

from data.sample_portfolio.defects import DefectRates
from data.sample_portfolio.generator import GenerationSummary, generate
from data.sample_portfolio.portfolio import Portfolio, build_portfolio

__all__ = ["DefectRates", "GenerationSummary", "Portfolio", "build_portfolio", "generate"]

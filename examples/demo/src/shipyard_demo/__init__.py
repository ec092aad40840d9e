"""shipyard-demo: a tiny MLX-style runtime used to demonstrate and test shipyard."""

__version__ = "0.7.3"

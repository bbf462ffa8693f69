"""insertadvisor: decide about foot inserts for back pain, and know when to see a doctor."""

__version__ = "0.1.0"

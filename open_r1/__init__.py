"""open-r1 labs: reproducible DeepSeek-R1-style reasoning training, from a CPU nano profile to a SLURM cluster."""

__version__ = "0.1.0"

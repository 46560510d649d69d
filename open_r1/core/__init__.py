"""The bottom layer: errors, paths, atomic file writes, recipe configs and the run-card record.

Everything else in open_r1 may import from here; nothing here imports another open_r1 layer (the layer contract in
`.importlinter` checks it). See docs/pages/start/architecture.md for the whole map.
"""

"""The studies: measured answers built from the core.

- ``layout_study``: for a fixed number of neurons, the best layout (notebook 01);
- ``recipes``: ``BEST_CONFIG`` and ``ISING_CONFIG``, the trainings notebooks 04 and 06 use;
- ``toydata``: TensorFlow Playground's six data sets, from its own generators.
"""

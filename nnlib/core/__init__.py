"""The core: the course's ``Network`` and what it is made of.

- ``network``: ``Network``, the course's ``network.py`` (Nielsen's API), arrays included;
- ``kernel``: the same equations and steps for a whole epoch in one compiled call (numba), and its
  Python wrapper;
- ``training``: the bookkeeping around ``SGD``'s epochs (schedule, hooks, history, stop reasons);
- ``optim`` (initialisation, the gradient step), ``costs``, ``activations``;
- ``examples`` (data as ``(x, y)`` tuples or arrays), ``checks`` (the checks at the boundary),
  ``gradcheck`` (backprop against finite differences, and its diagnosis).

Nothing here loads a network, subprocess or progress-bar module.
"""

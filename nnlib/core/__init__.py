"""The core: the course's ``Network`` and what it is made of.

- ``network``: ``Network``, the course's ``network.py`` (Nielsen's API), arrays included;
- ``kernel``: the same equations and steps for a whole epoch in one compiled call (numba), and its
  Python wrapper, which returns the new parameters for the network to take;
- ``training``: the bookkeeping ``SGD`` calls at the start and end of every epoch (schedule, hooks,
  history, stop reasons);
- ``optim`` (initialisation, the gradient step), ``costs``, ``activations``;
- ``examples`` (data as ``(x, y)`` tuples or arrays), ``checks`` (the checks at the boundary),
  ``gradcheck`` (backprop against finite differences) with ``reference``, ``diagnose``, ``crash``
  and ``crashsite`` (where a wrong backprop is wrong);
- ``network_file`` (``Network.save``/``load``) and ``files`` (atomic writes, archives read safely),
  ``progress`` (progress bars): used by the other folders, which the core never imports.

Importing the core loads no network, subprocess or progress-bar module (``progress`` imports tqdm
only when a bar is made).
"""

"""The widgets: what a student clicks and watches.

- ``playground``: TensorFlow Playground in a notebook (``from nnlib.widgets.playground import
  Playground``);
- ``trainpanel``: train an MNIST or Ising network with sliders (``TrainPanel``);
- ``backprop_steps``: backpropagation one equation at a time (``BackpropSteps``);
- ``charts`` (SVG lines and PNG pictures as strings) and ``progress`` (notebook progress bars).

Every widget trains through ``Network.SGD`` and shows its history and stop reason.
"""

"""A TensorFlow-Playground-like neural-network playground in Jupyter and Voila.

Exercise 11.1 of the course sends students to playground.tensorflow.org.  This package rebuilds
that playground inside the course so that it runs offline and trains an ``nnlib.Network`` (through
``Network.SGD``, the loop the later notebooks use), and adds what the original's users asked for:
more than two classes (softmax output), ELU and swish neurons, momentum, a confusion matrix and
"stop at a test accuracy", your own data from a CSV file, larger networks ("no limits"), an
accuracy readout, a divergence guard, a seed, the whole run as a JSON string and weight export.

In the browser (an anywidget, ``playground.js``): hover a neuron to see its output in the large
map, hover a link to read its weight, click a link (or a bias) to type in a new value, hover the
loss curve to read epoch and loss.

Modules: ``settings`` (the controls' values, the state as JSON), ``presets`` (the guided
presets), ``engine`` (data, network, training through ``Network.SGD``, what is drawn), ``outputs``
(predictions, the confusion matrix, weight export), ``view`` (the drawing surface and the arrays it
gets), ``controls``, ``ui`` and ``handlers`` (the ipywidgets controls, their layout and what they
do), ``widget`` (``Playground``), ``snapshot`` (the stored picture), ``csvdata`` (reading your CSV
file), ``multiclass`` (data sets with three or more classes).
"""

from .outputs import DENSITY
from .multiclass import CLASS_COLOURS
from .settings import LEARNING_RATES, MOMENTA, REGULARIZATION_RATES, STOP_ACCURACIES
from .widget import Playground

__all__ = ["Playground", "LEARNING_RATES", "REGULARIZATION_RATES", "MOMENTA",
           "STOP_ACCURACIES", "CLASS_COLOURS", "DENSITY"]

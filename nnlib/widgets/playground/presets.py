"""The playground's guided set-ups (presets): a key, a title for the menu, the settings that differ
from the defaults, and a two-line commentary of what to look for.

A table of teaching content, not a rule about settings, so it is its own module; it imports nothing
from the playground.  ``settings`` checks a state's ``preset`` against ``PRESET_KEYS`` and builds a
preset's full settings (``settings.preset_settings``), and ``controls`` fills the menu from it.
"""

__all__ = ["PRESETS", "PRESET_KEYS"]

#: Guided set-ups: (key, title in the menu, settings, what to look for).  Loading one sets every
#: setting not named to its default (the seed, ``hide`` and ``lock`` stay).
PRESETS = (
    ("circle-squares", "Circle: one neuron with x1\u00b2 and x2\u00b2",
     dict(dataset="circle", hidden=(), features=("x1^2", "x2^2"), learning_rate=0.03),
     "No hidden layer: the output neuron alone sees x1\u00b2 and x2\u00b2, in which the circle's "
     "boundary x1\u00b2 + x2\u00b2 = r\u00b2 is a straight line.\nPress play: the test loss falls "
     "to almost 0. Then switch the squares off and x1, x2 on: one neuron can only draw a line."),
    ("circle-line", "Circle: one neuron with x1, x2 fails",
     dict(dataset="circle", hidden=(), features=("x1", "x2")),
     "A single neuron on x1, x2 draws one straight boundary, and no line separates a ring from "
     "its centre.\nThe test loss stays near 0.5 (chance): add a hidden layer of 3 or more."),
    ("xor-product", "XOR: the feature x1x2 alone",
     dict(dataset="xor", hidden=(), features=("x1x2",)),
     "XOR's classes are the sign of x1\u00b7x2: with x1x2 as its only input a single neuron solves "
     "it at once.\nThe large map shows the four quadrants in a few epochs."),
    ("xor-hidden", "XOR needs a hidden layer (with x1, x2)",
     dict(dataset="xor", hidden=(4,), features=("x1", "x2"), learning_rate=0.03),
     "Without x1x2 the network must build the product itself: each hidden neuron draws a line, "
     "the output combines them.\nHover the hidden neurons to see their lines; set hidden layers "
     "to 0 and watch it fail."),
    ("spiral-wide", "Spiral: width (one layer of 8)",
     dict(dataset="spiral", hidden=(8,), features=("x1", "x2"), learning_rate=0.03),
     "One wide layer on x1, x2: eight lines combined once.\nAfter a few hundred epochs the "
     "spiral is still poorly fitted; compare the next preset's depth."),
    ("spiral-deep", "Spiral: depth (three layers of 6)",
     dict(dataset="spiral", hidden=(6, 6, 6), features=("x1", "x2"), learning_rate=0.03),
     "Depth composes the first layer's lines into curves: three layers of 6 follow the arms "
     "better than one layer of 8,\nbut train more slowly at first; give it several hundred "
     "epochs (or learning rate 0.1)."),
    ("spiral-features", "Spiral: all seven features",
     dict(dataset="spiral", hidden=(8, 4), features=("x1", "x2", "x1^2", "x2^2", "x1x2",
                                                     "sin(x1)", "sin(x2)")),
     "With sin(x1), sin(x2) and the squares as inputs the network starts from curved "
     "boundaries.\nThe spiral is learned far sooner: good features save neurons."),
    ("lr-too-large", "Too large a learning rate",
     dict(dataset="circle", hidden=(4, 2), learning_rate=3.0),
     "With learning rate 3 each step overshoots: the loss jumps up and down or the run "
     "diverges (the message says so).\nLower it to 0.03 and press reset: a smooth, falling "
     "curve."),
    ("lr-too-small", "Too small a learning rate",
     dict(dataset="circle", hidden=(4, 2), learning_rate=0.0001),
     "Learning rate 0.0001: the weights barely move and the loss curve is flat for thousands "
     "of epochs.\nChange it to 0.03 while playing (it does not reset) and watch the curve drop."),
    ("momentum", "Momentum speeds up a slow run",
     dict(dataset="circle", hidden=(4, 2), learning_rate=0.01, momentum=0.9),
     "Learning rate 0.01 alone is slow; momentum 0.9 keeps part of each step's velocity.\n"
     "Compare the epoch at which the test loss falls below 0.1 with momentum 0 (press reset)."),
    ("l1-sparse", "L1 makes weights sparse",
     dict(dataset="circle", hidden=(4,), features=("x1", "x2", "x1^2", "x2^2", "x1x2",
                                                   "sin(x1)", "sin(x2)"),
          regularization="L1", reg_rate=0.003, learning_rate=0.03),
     "L1 pulls every weight towards 0 by the same amount: the useless inputs' links fade to "
     "nothing,\nonly x1\u00b2 and x2\u00b2 stay connected. Try L2: weights shrink but stay "
     "non-zero."),
    ("overfitting", "Overfitting: 10 % training data and noise",
     dict(dataset="xor", hidden=(8, 8, 8), features=("x1", "x2"), noise_percent=50,
          train_percent=10, show_test=True, learning_rate=0.03),
     "50 training points with noisy labels and a large network: the training loss keeps "
     "falling while the test loss (black curve) turns up.\nThe map bends around single "
     "points; try L2 regularisation or fewer neurons."),
    ("regression", "Regression: a linear output",
     dict(dataset="reg-gauss", problem="regression", hidden=(4, 2)),
     "A real value per point (the colour), fitted with a linear output and the square loss.\n"
     "Hover the hidden neurons: each contributes a bump or a step to the surface."),
    ("multi-class", "Three classes: softmax output",
     dict(dataset="spiral-3", problem="multi-class", hidden=(8, 6),
          features=("x1", "x2", "sin(x1)", "sin(x2)"), learning_rate=0.1),
     "Three outputs, one per class, turned into probabilities by softmax; the map takes each "
     "point's likeliest class.\nThe confusion matrix under the map shows which arms are "
     "confused."),
)
PRESET_KEYS = tuple(p[0] for p in PRESETS)

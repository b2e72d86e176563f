"""`python3 -m neuron_pursuit --model M --data X.csv`: predict as `neuron-pursuit predict` does (predict.py)."""

import sys

from .predict import main

sys.exit(main())

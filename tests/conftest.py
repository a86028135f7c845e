"""The test suite's pytest configuration.

``tests/campaigns/`` holds campaigns run by hand, not tests: the fault matrix
(``fault_matrix.py``, every case in a forked process, 40 minutes) and
scikit-learn's test_mlp.py on the self-tuners (``sklearn_test_mlp.py``). The
normal run neither collects nor imports them (``--doctest-modules`` would import
every module under ``tests/``); their README says how to run them.
"""

collect_ignore = ["campaigns"]

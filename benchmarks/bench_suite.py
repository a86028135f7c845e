"""SelfTuningMLPRegressor against the baselines on the regression suite (issue 9); ``--help`` for the options."""

from runner import main

if __name__ == "__main__":
    main("regression")

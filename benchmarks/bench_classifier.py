"""SelfTuningMLPClassifier against the baselines on the classification suite (issue 10)."""

from runner import main

if __name__ == "__main__":
    main("classification")

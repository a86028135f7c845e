"""Both self-tuners on the rough real tables of issue 20 (runner.py, datasets.py)."""

from runner import main

if __name__ == "__main__":
    main("rough")

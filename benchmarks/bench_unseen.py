"""Both self-tuners on the 33 unseen real datasets, failed rules checked on more splits."""

from runner import main

if __name__ == "__main__":
    main("unseen")

"""`python -m ecrcost` is the `ecrcost` command."""

from .cli import main

if __name__ == "__main__":
    main()

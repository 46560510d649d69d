"""`python -m open_r1` is the same as the `open-r1` command."""

from open_r1.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

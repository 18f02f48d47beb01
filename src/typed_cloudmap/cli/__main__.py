"""``python -m typed_cloudmap.cli``: the same as the ``typed-cloudmap`` console script."""

from ._entry import main

if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Convenience for developers; users run the `wangge` command instead."""

import sys

from wangge.cli import main

if __name__ == "__main__":
    main(sys.argv)

"""Xiao County Emergency Command Center."""

import sys

from app.bootstrap import run

if __name__ == "__main__":
    sys.exit(run())

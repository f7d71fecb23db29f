"""Worker entry point: `python worker.py [--threads N]` is `gateway worker`."""

import sys

from gateway.cli import main

if __name__ == "__main__":
    main(["worker", *sys.argv[1:]])

"""`python -m flexledger`: the same as the `flexledger` console script."""

from flexledger.main import run

run()

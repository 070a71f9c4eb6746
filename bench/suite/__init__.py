"""The benchmark suite that `make bench` runs (bench/run.py); see bench/README.md."""

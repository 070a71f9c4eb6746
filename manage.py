#!/usr/bin/env python
from pristan.cli import main

if __name__ == "__main__":
    main()

"""The benchmarks of issue 11 (`make bench`; never part of `make test`).

`bench/generate.py` fills a register, `bench/run.py` measures it. This package holds what
they share: the bench databases and environment (`env`), the Finnish vocabulary the rows
are made of (`finnish`), the measuring tools (`measure`), the in-process Django worker
(`worker`), one module per group of figures and the report (`report`).
"""

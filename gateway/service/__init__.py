"""Use cases: one function per use case, each inside one unit of work; I/O only through ports."""

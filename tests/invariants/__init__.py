"""The RELIABILITY invariants I1 to I10 as queries that return violating rows."""

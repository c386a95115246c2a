"""Demo layer: a made-up sample account, written as Flex statements and imported.

`sample` simulates the account (prices, fills, lots, cash, corporate actions) and
returns each month's statement as rows; `flex_writer` turns rows into Activity Flex
XML; `build` creates a fresh database, imports the statements through the same
jobs a user's files go through, and adds labels and notes. Nothing here is real
account data. The layer sits between the CLI and the jobs: the CLI calls it, and it
reaches the database only through jobs functions.
"""

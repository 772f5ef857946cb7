"""The `plan` command line: parses arguments, calls forecast/ and optimize/, renders, writes."""

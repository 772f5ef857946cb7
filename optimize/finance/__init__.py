"""Finance: scenarios (what-ifs over the workforce config, planned and priced) and the annual capacity plan."""

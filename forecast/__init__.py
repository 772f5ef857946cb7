"""Volume forecasting: hourly arrivals per queue with holidays, 调休 and promotion peaks; backtests."""

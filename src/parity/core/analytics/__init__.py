"""Analytics: Ibis expressions that count once, then statistics on the count tables."""

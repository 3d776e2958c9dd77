"""Sample data for Voltbill: the deterministic sample-portfolio generator and the landing-zone layout."""

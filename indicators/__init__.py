"""Statistics, the Decision 766 service index and the bottleneck radar: summary tables
and the selectors over them. Reads dossiers and feedback; writes only its summaries."""

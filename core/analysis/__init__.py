"""What the division reads from the finalized lines: selection, coverage, cross-tabs, panorama,
and the exact allocation of surpluses to shortages with its exports."""

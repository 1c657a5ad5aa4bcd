"""The problem list (问题清单): problems tracked to resolution."""

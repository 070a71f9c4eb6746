"""One person, one record: possible duplicates found across offices, scripts and spellings, reviewed,
merged and unmerged (issue 14)."""

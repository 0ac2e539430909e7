"""What a capturista records: the catalog (units, groups, specialties, products), the lines and
their rules, the grid's frame, drafts of unsaved edits and the report data printed from them."""

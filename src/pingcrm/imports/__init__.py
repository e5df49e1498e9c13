"""CSV and vCard import: format detection, parsers, the import job, rejected rows."""

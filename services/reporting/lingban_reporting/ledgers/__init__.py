"""Ledgers (台账) and forms the offices print: streamed XLSX and printable HTML pages."""

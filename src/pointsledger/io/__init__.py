"""Import and export: rule files and registries from TOML, CSV and XLSX, and the log as JSON
Lines. Uses the public `Ledger` only.
"""

"""Invoices and credit notes: gapless numbering, the split legs per line, ledger hooks, PDFs.

The cooperative is the seller; each line names the member who provides it. Invoicing takes
plain values (the orders feature calls it once a payment is confirmed) and imports neither
orders, catalogue nor payments.
"""

"""payments: the Stripe Checkout adapter and the built-in payment simulator.

The gateway knows nothing of orders, carts or invoices. Callers pass their own ``reference``
and local ids in ``metadata``; they get plain values (``gateway.CheckoutSession``,
``gateway.Refund``) and verified events (``gateway.VerifiedEvent``) back, handed to the one
handler registered in ``webhooks``. What a payment means is the caller's business.
"""

"""The application for a WSGI server: ``gunicorn -w 4 coopshop.wsgi:app``.

After start-up the objects made so far (the app, its routes, models, compiled code) live as
long as the process. ``gc.freeze()`` moves them out of the cyclic garbage collector's way:
otherwise every full collection walks all of them again (about 0.1 s for this app's heap),
and a request that makes many objects, like a batch of payment events, sets one off.
"""

import gc

from coopshop import create_app

app = create_app()
gc.freeze()

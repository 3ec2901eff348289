"""GitHub webhooks: verify, dedupe, store raw and queue each delivery (the Receive path).

Plain domain code; its AWS dependencies are passed in (see handlers/webhook_receiver.py).
"""

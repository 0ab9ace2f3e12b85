"""Who is at the seat: sign-in at start, switching the person on duty, the seat lock.

Every record is signed by the person signed in at the seat, never by the
computer's login. The dialogs here ask :class:`~app.services.access.AccessService`
(off the GUI thread: checking a password takes a tenth of a second, and every
sign-in is written to the change log) and tell the
:class:`~app.ui.session.AppSession` who is there now:

- :mod:`.sign_in`: the sign-in dialog, the forced password change, the first
  start (one-time administrator password) and :func:`.sign_in.sign_in_at_start`,
  the flow ``bootstrap`` runs before the main window opens;
- :mod:`.switch`: 值班 → 切换值班人员 (PIN or password) and the status bar's
  name of the person signed in;
- :mod:`.lock`: the seat lock, by hand (Ctrl+L) or after minutes without input.
"""

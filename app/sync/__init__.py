"""Field vehicles and the command center: take the county's data out, merge it back.

Built on the change log (``change_log``): every write already leaves one row
per changed record with a UUID key, who, where and a sequence in commit
order. A site sends the rows its peer has not acknowledged, with the records'
current values; the peer stores them as received (origin site and origin
seq, never as its own writes) and merges the values field by field.

Modules: :mod:`.types` (site kinds, conflict kinds, errors), :mod:`.codec`
(column values as JSON), :mod:`.packet` (the packet and its file format),
:mod:`.sites` (this database's identity and its peers), :mod:`.collect`
(what to send), :mod:`.merge` (applying what arrives), :mod:`.field_package`
(a field vehicle's own database), :mod:`.service` (what the program calls).
"""

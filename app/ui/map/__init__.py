"""The emergency map (应急一张图): ``view.MapPanel``, served by ``scheme`` over ``app://map/``.

``scheme.register_schemes()`` must run before the QApplication is created.
"""

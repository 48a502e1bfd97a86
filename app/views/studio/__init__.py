"""The Studio place: prompts to images through the Studio API, a live queue and a fast gallery.

``page.StudioPage`` wires the widgets (``prompt_form``, ``queue_panel``, ``gallery_panel`` with its
``gallery_model``/``gallery_delegate``/``thumbnail_loader``, ``detail_view``) to the Studio controller
(``context.studio_controller``, in ``app/services/studio/controller.py``) and the services it drives
(``context.studio``, ``context.studio_jobs``, ``context.gallery``). ``account_box.AccountBox`` is for the
Settings page; ``header_link.link_header`` keeps the window header's credits badge and status current.
"""

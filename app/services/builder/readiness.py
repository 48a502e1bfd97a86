"""Whether the New model form may build, and if not, the one thing the person has to do first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuildForm:
    """What the New model form holds, as far as building is concerned.

    ``by_template``: the built-in template writes the code (the server fills it in, so a review is
    optional); otherwise ``code_model`` (``provider/model``) writes it and the person must have reviewed
    the files it wrote (``reviewed``) and, for a build on this computer, ticked ``confirmed``.
    """

    description: str
    has_csv: bool
    target: str
    by_template: bool
    code_model: str = ""
    reviewed: bool = False
    confirm_needed: bool = False
    confirmed: bool = False


def build_blocker(form: BuildForm) -> str:
    """Why Build must stay disabled for ``form``, as a sentence to show next to it; "" when it may build."""
    if not form.description.strip():
        return "Describe what the model should predict."
    if not form.has_csv:
        return "Attach a CSV file with the data."
    if not form.target.strip():
        return "Pick the target column to predict."
    if form.by_template:
        return ""
    if not form.code_model.strip():
        return "Name the chat model that writes the code, or use the built-in template."
    if not form.reviewed:
        return "Press Review code: the chat model's code is shown for review before it runs."
    if form.confirm_needed and not form.confirmed:
        return "Tick the box to confirm you have read the code."
    return ""

"""Numbers as people read them: context sizes, prices, and what a typical job costs. Pure functions."""

from __future__ import annotations

from app.services.catalog.schema import CatalogEntry, Licence, Serving

TOKENS_PER_WORD = 4 / 3  # English prose averages about 0.75 words per token
TOKENS_PER_PAGE = 600


def format_tokens(count: int | None) -> str:
    """131072 -> "128K", 1048576 -> "1M", 200000 -> "200K"."""
    if not count:
        return "—"
    if count >= 1_000_000:
        millions = count / 1_000_000
        return f"{millions:.1f}".rstrip("0").rstrip(".") + "M"
    if count >= 1000:
        thousands = count // 1024 if count % 1024 == 0 and count % 1000 else round(count / 1000)
        return f"{thousands}K"
    return str(count)


def format_usd(amount: float) -> str:
    """A cost: "$0", "$0.0004", "$0.013", "$2.50", "$1,250"."""
    if amount == 0:
        return "$0"
    if amount < 0.01:
        return f"${amount:.2g}"
    if amount < 1:
        return "$" + f"{amount:.3f}".rstrip("0").ljust(4, "0")
    if amount < 1000:
        return f"${amount:,.2f}"
    return f"${amount:,.0f}"


def format_rate(amount: float | None) -> str:
    """A published price: "$2.50", "$0.075", "$0.0375"; "—" when none is published."""
    if amount is None:
        return "—"
    if amount == 0:
        return "$0"
    if amount >= 0.1:
        return f"${amount:,.2f}"
    return "$" + f"{amount:.4f}".rstrip("0")


def breakable(text: str) -> str:
    """``text`` with zero-width spaces after "/" and "-", so a long model id wraps instead of being cut."""
    return text.replace("/", "/\u200b").replace("-", "-\u200b")


def route_name(way: Serving) -> str:
    """The provider as a person reads it, short: "Groq", "Ollama", "OpenRouter"."""
    return way.provider_name.removesuffix(" (local)")


def route_price(entry: CatalogEntry, way: Serving) -> str:
    """One route's price: "Groq $0.11 / $0.34", "Ollama free (your hardware)", "Together $0.0027 / image"."""
    name = route_name(way)
    if not way.listed:
        return f"{name}: no longer listed by {name}"
    if way.local:
        return f"{name} free (your hardware)"
    price = way.price
    if entry.kind == "image":
        if price.per_image is not None:
            return f"{name} {format_rate(price.per_image)} / image"
        return f"{name} {format_rate(price.input)} / {format_rate(price.output)} per 1M tokens"
    if entry.kind == "embedding":
        return f"{name} {format_rate(price.input)}"
    return f"{name} {format_rate(price.input)} / {format_rate(price.output)}"


def route_prices(entry: CatalogEntry) -> str:
    """Every route's price on one line, e.g. "Groq $0.11 / $0.34 · Ollama free (your hardware)"."""
    return " · ".join(route_price(entry, way) for way in entry.served_by)


def route_limits(entry: CatalogEntry, way: Serving) -> str:
    """What a route allows where it differs from the model: "131K context · 8K max output", or ""."""
    parts = []
    if way.context_window is not None and way.context_window != entry.context_window:
        parts.append(f"{format_tokens(way.context_window)} context")
    if way.max_output_tokens is not None:
        parts.append(f"{format_tokens(way.max_output_tokens)} max output")
    return " · ".join(parts)


def max_output_text(entry: CatalogEntry) -> str:
    """The model's own maximum output, or "Unknown (not published)" for a text model whose maker gives none."""
    if entry.max_output_tokens:
        return f"{entry.max_output_tokens:,} tokens"
    return "Unknown (not published)" if entry.kind in ("chat", "code") else "—"


def licence_text(licence: Licence) -> str:
    """ "Apache-2.0 · open weights · commercial use allowed", "Proprietary (OpenAI terms) · API only"."""
    if not licence.weights:
        return f"{licence.name} · API only"
    use = "commercial use allowed" if licence.commercial else "non-commercial use only"
    return f"{licence.name} · open weights · {use}"


def price_summary(entry: CatalogEntry) -> str:
    """The price in one short line, for cards: "$2.50 / $10 per 1M", "$0.04 / image", "Free (local)"."""
    if entry.served_by and not entry.routes:
        return "No longer listed by " + ", ".join(sorted({route_name(way) for way in entry.served_by}))
    price = entry.pricing
    if entry.kind == "image":
        if price.per_image is None:
            return "Studio credits" if entry.studio_model else "See note"
        return f"{format_rate(price.per_image)} / image"
    if entry.kind == "embedding":
        return "Free (local)" if price.input == 0 else f"{format_rate(price.input)} per 1M"
    if price.input == 0 and price.output == 0:
        return "Free (local)"
    return f"{format_rate(price.input)} / {format_rate(price.output)} per 1M"


def price_examples(entry: CatalogEntry) -> list[str]:
    """What everyday jobs cost with this model, e.g. "1,000-word reply ≈ $0.004"."""
    if entry.served_by and not entry.routes:
        return [price_summary(entry) + ": no current price"]
    price = entry.pricing
    if entry.kind == "image":
        if price.per_image is None:
            return ["Paid in Amethyst Studio credits" if entry.studio_model else price.note or "No public price"]
        return [
            f"1 image ≈ {format_usd(price.per_image)}",
            f"10 images ≈ {format_usd(price.per_image * 10)}",
            f"100 images ≈ {format_usd(price.per_image * 100)}",
        ]
    if entry.kind == "embedding":
        if not price.input:
            return ["Free to run on your own computer"]
        tokens = 10_000 * 500 * TOKENS_PER_WORD
        return [
            f"Embedding 10,000 documents of 500 words ≈ {format_usd(tokens * price.input / 1e6)}",
            f"A 20-word search query ≈ {format_usd(20 * TOKENS_PER_WORD * price.input / 1e6)}",
        ]
    if price.input is None or price.output is None:
        return [price.note or "No public price"]
    if not price.input and not price.output:
        return ["Free to run on your own computer"]
    price_in, price_out = price.input or 0.0, price.output or 0.0
    reply = 1000 * TOKENS_PER_WORD * price_out / 1e6
    document = 50 * TOKENS_PER_PAGE * price_in / 1e6 + 300 * TOKENS_PER_WORD * price_out / 1e6
    day = 100 * (2000 * price_in + 400 * price_out) / 1e6
    return [
        f"1,000-word reply ≈ {format_usd(reply)}",
        f"Summarising a 50-page PDF ≈ {format_usd(document)}",
        f"A day of chat (100 turns) ≈ {format_usd(day)}",
    ]

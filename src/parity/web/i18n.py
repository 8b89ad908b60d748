"""Languages: the six official UN languages, gettext catalogs, per-request choice.

The catalogs are the ``.po`` files under ``locales/``; they are compiled in memory when the
package first needs them (no build step, nothing generated on disk). Jinja2 gets
context-aware gettext callables installed once, which read the request's language from the
template context, so one shared environment serves every language from many threads.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context

#: The six official languages, in the order of the language switcher.
LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "parity_lang"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (English: the identity)."""
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES:
        return NullTranslations()
    po = files("parity.web").joinpath("locales", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def gettext(lang: str, message: str, **variables: Any) -> str:
    """``message`` translated into ``lang``, with ``%(name)s`` placeholders filled.

    As with Jinja2's new-style gettext, a message with variables is always %-formatted,
    so a literal percent sign in such a message is written ``%%``.
    """
    text = translations(lang).gettext(message)
    return text % variables if variables else text


def ngettext(lang: str, singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


@lru_cache(maxsize=len(LANGUAGES) + 2)
def direction(lang: str) -> str:
    """'rtl' for Arabic, 'ltr' for the others."""
    return "rtl" if Locale.parse(lang).text_direction == "rtl" else "ltr"


@lru_cache(maxsize=1)
def endonyms() -> dict[str, str]:
    """Each language's name in itself, for the switcher."""
    names = {}
    for lang in LANGUAGES:
        name = Locale.parse(lang).get_display_name(lang) or lang
        names[lang] = name[:1].upper() + name[1:] if lang in ("fr", "ru", "es") else name
    return names


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: ``?lang=``, then the cookie, then Accept-Language."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    if accept_language:
        weighted: list[tuple[float, int, str]] = []
        for i, part in enumerate(accept_language.split(",")):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            weighted.append((-weight, i, tag.strip().split("-")[0].lower()))
        for _w, _i, primary in sorted(weighted):
            if primary in LANGUAGES:
                return primary
    return DEFAULT_LANGUAGE


@pass_context
def _ctx_gettext(context: Context, message: str) -> str:
    return translations(context.get("lang", DEFAULT_LANGUAGE)).gettext(message)


@pass_context
def _ctx_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(context.get("lang", DEFAULT_LANGUAGE)).ngettext(singular, plural, n)


def install(env: Any) -> None:
    """Install the language-aware gettext callables into a Jinja2 environment, once."""
    env.install_gettext_callables(gettext=_ctx_gettext, ngettext=_ctx_ngettext, newstyle=True)


def catalog_messages(lang: str) -> Mapping[str, object]:
    """msgid → msgstr of a catalog (for the completeness test and the docs)."""
    po = files("parity.web").joinpath("locales", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
